import { recordInferenceMetrics, type GenAiMetricsSink, type InferenceRecord } from "../telemetry/index.js";

/**
 * What the model client reports, shaped after spec/otel.md §4 (business events) and §5.1
 * (metric names). Field keys are the attribute names on the wire. SessionTelemetry (the
 * telemetry layer) implements this; until it is plugged in the client uses `noopModelTelemetry`.
 *
 * As in Codex, an event method is responsible for its own metrics (`apiRequest` records
 * `codex.api_request` and `codex.api_request.duration_ms`, and so on); the client calls the
 * metric methods directly only for metrics without an event (the startup prewarm ones).
 */
export interface ModelClientTelemetry {
  /** `codex.api_request`: one per HTTP attempt, when headers arrive or the attempt fails. */
  apiRequest(event: ApiRequestEvent): void;
  /** `codex.sse_event`: one per SSE event received (or failed to parse). */
  sseEvent(event: SseEventEvent): void;
  /** `codex.websocket_request`: one per `response.create` sent over WebSocket. */
  websocketRequest(event: WebsocketRequestEvent): void;
  /** `codex.websocket_event`: one per WebSocket message received (or failed to parse). */
  websocketEvent(event: WebsocketEventEvent): void;
  /**
   * One model call (attempt) in OpenTelemetry GenAI terms, when it ends: the sink records the
   * `gen_ai.client.*` metrics and, if it may, the opt-in content event (see `SessionTelemetry`).
   */
  inference(record: InferenceRecord): void;
  counter(name: string, inc: number, tags: MetricTags): void;
  histogram(name: string, value: number, tags: MetricTags): void;
  /** A duration histogram in milliseconds. */
  recordDuration(name: string, durationMs: number, tags: MetricTags): void;
}

export type MetricTags = Record<string, string>;

export interface ApiRequestEvent {
  attempt: number;
  duration_ms: number;
  "http.response.status_code"?: number;
  /** Log lane only; never on the trace lane. */
  "error.message"?: string;
  endpoint: string;
  /** Whether an `Authorization` header was sent, and its name (never its value). */
  "auth.header_attached"?: boolean;
  "auth.header_name"?: string;
}

export interface SseEventEvent {
  "event.kind": string;
  duration_ms: number;
  "error.message"?: string;
  input_token_count?: number;
  output_token_count?: number;
  cached_token_count?: number;
  reasoning_token_count?: number;
  tool_token_count?: number;
}

export interface WebsocketRequestEvent {
  duration_ms: number;
  success: boolean;
  "error.message"?: string;
}

export interface WebsocketEventEvent {
  "event.kind": string;
  duration_ms: number;
  success: boolean;
  "error.message"?: string;
}

/** Metric names from spec/otel.md §5.1 that the model client's events map to. */
export const MODEL_METRICS = {
  apiRequest: "codex.api_request",
  apiRequestDuration: "codex.api_request.duration_ms",
  sseEvent: "codex.sse_event",
  sseEventDuration: "codex.sse_event.duration_ms",
  websocketRequest: "codex.websocket.request",
  websocketRequestDuration: "codex.websocket.request.duration_ms",
  websocketEvent: "codex.websocket.event",
  websocketEventDuration: "codex.websocket.event.duration_ms",
  startupPrewarmDuration: "codex.startup_prewarm.duration_ms",
  startupPrewarmAgeAtFirstTurn: "codex.startup_prewarm.age_at_first_turn_ms",
} as const;

/** Reports nothing. */
export const noopModelTelemetry: ModelClientTelemetry = {
  apiRequest() {},
  sseEvent() {},
  websocketRequest() {},
  websocketEvent() {},
  inference() {},
  counter() {},
  histogram() {},
  recordDuration() {},
};

/** Just the metric half of a telemetry sink (what a MetricsClient offers). */
export interface ModelMetricsSink extends GenAiMetricsSink {
  counter(name: string, inc: number, tags: MetricTags): void;
  histogram(name: string, value: number, tags: MetricTags): void;
  recordDuration(name: string, durationMs: number, tags: MetricTags): void;
}

/**
 * A `ModelClientTelemetry` that turns each event into its §5.1 metrics, and each call into its
 * `gen_ai.client.*` metrics, and nothing else (no log or span events): for a metrics client
 * without SessionTelemetry.
 */
export function metricsOnlyModelTelemetry(metrics: ModelMetricsSink): ModelClientTelemetry {
  return {
    apiRequest(e) {
      const success = e["error.message"] === undefined && (e["http.response.status_code"] ?? 0) < 400;
      const tags = { status: String(e["http.response.status_code"] ?? "none"), success: String(success) };
      metrics.counter(MODEL_METRICS.apiRequest, 1, tags);
      metrics.recordDuration(MODEL_METRICS.apiRequestDuration, e.duration_ms, tags);
    },
    sseEvent(e) {
      const tags = { kind: e["event.kind"], success: String(e["error.message"] === undefined) };
      metrics.counter(MODEL_METRICS.sseEvent, 1, tags);
      metrics.recordDuration(MODEL_METRICS.sseEventDuration, e.duration_ms, tags);
    },
    websocketRequest(e) {
      const tags = { success: String(e.success) };
      metrics.counter(MODEL_METRICS.websocketRequest, 1, tags);
      metrics.recordDuration(MODEL_METRICS.websocketRequestDuration, e.duration_ms, tags);
    },
    websocketEvent(e) {
      const tags = { kind: e["event.kind"], success: String(e.success) };
      metrics.counter(MODEL_METRICS.websocketEvent, 1, tags);
      metrics.recordDuration(MODEL_METRICS.websocketEventDuration, e.duration_ms, tags);
    },
    inference: (record) => recordInferenceMetrics(metrics, record),
    counter: (n, i, t) => metrics.counter(n, i, t),
    histogram: (n, v, t) => metrics.histogram(n, v, t),
    recordDuration: (n, d, t) => metrics.recordDuration(n, d, t),
  };
}

/**
 * Wraps a telemetry sink so a throwing method never reaches the model stream: each failure is
 * handed to `onError` (the client logs the first one per method, then counts).
 */
export function guardedModelTelemetry(
  inner: ModelClientTelemetry,
  onError: (method: string, err: unknown, count: number) => void,
): ModelClientTelemetry {
  const failures = new Map<string, number>();
  const guard =
    <A extends unknown[]>(method: string, fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn(...args);
      } catch (err) {
        const n = (failures.get(method) ?? 0) + 1;
        failures.set(method, n);
        onError(method, err, n);
      }
    };
  return {
    apiRequest: guard("apiRequest", (e) => inner.apiRequest(e)),
    sseEvent: guard("sseEvent", (e) => inner.sseEvent(e)),
    websocketRequest: guard("websocketRequest", (e) => inner.websocketRequest(e)),
    websocketEvent: guard("websocketEvent", (e) => inner.websocketEvent(e)),
    inference: guard("inference", (r: InferenceRecord) => inner.inference(r)),
    counter: guard("counter", (n: string, i: number, t: MetricTags) => inner.counter(n, i, t)),
    histogram: guard("histogram", (n: string, v: number, t: MetricTags) => inner.histogram(n, v, t)),
    recordDuration: guard("recordDuration", (n: string, d: number, t: MetricTags) =>
      inner.recordDuration(n, d, t),
    ),
  };
}
