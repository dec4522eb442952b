import type { SessionTelemetry } from "../telemetry/index.js";
import { MODEL_METRICS, type ModelClientTelemetry } from "./telemetry.js";

/**
 * Routes the model client's reports into a thread's SessionTelemetry: each event lands on both
 * lanes (rich fields on the log-only lane, the safe subset as span events) with the session's
 * metadata, and every metric carries the session's tags. SessionTelemetry records the
 * `codex.api_request` and `codex.sse_event` metrics itself; the WebSocket ones are added here.
 */
export function sessionModelTelemetry(session: SessionTelemetry): ModelClientTelemetry {
  return {
    apiRequest(e) {
      session.apiRequest({
        attempt: e.attempt,
        durationMs: e.duration_ms,
        statusCode: e["http.response.status_code"],
        error: e["error.message"],
        endpoint: e.endpoint,
      });
    },
    sseEvent(e) {
      session.sseEvent({
        kind: e["event.kind"],
        durationMs: e.duration_ms,
        error: e["error.message"],
        inputTokenCount: e.input_token_count,
        outputTokenCount: e.output_token_count,
        cachedTokenCount: e.cached_token_count,
        reasoningTokenCount: e.reasoning_token_count,
        toolTokenCount: e.tool_token_count,
      });
    },
    websocketRequest(e) {
      session.websocketRequest({ durationMs: e.duration_ms, success: e.success, error: e["error.message"] });
      const tags = { success: String(e.success) };
      session.counter(MODEL_METRICS.websocketRequest, 1, tags);
      session.recordDuration(MODEL_METRICS.websocketRequestDuration, e.duration_ms, tags);
    },
    websocketEvent(e) {
      session.websocketEvent({
        kind: e["event.kind"],
        durationMs: e.duration_ms,
        success: e.success,
        error: e["error.message"],
      });
      const tags = { kind: e["event.kind"], success: String(e.success) };
      session.counter(MODEL_METRICS.websocketEvent, 1, tags);
      session.recordDuration(MODEL_METRICS.websocketEventDuration, e.duration_ms, tags);
    },
    inference: (record) => session.inference(record),
    counter: (name, inc, tags) => session.counter(name, inc, tags),
    histogram: (name, value, tags) => session.histogram(name, value, tags),
    recordDuration: (name, ms, tags) => session.recordDuration(name, ms, tags),
  };
}
