/** What the store keeps of one span, after validation (ids are lowercase hex). */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  events: SpanEventRecord[];
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  scope: string;
  resource: Record<string, unknown>;
}

export interface SpanEventRecord {
  /** Nanoseconds since the epoch, as a decimal string (JSON cannot hold it as a number). */
  timeNs: string;
  name: string;
  attributes: Record<string, unknown>;
}

/** A log record of the `codex.*` / `spool_*` event families. */
export interface LogRecordRow {
  timeNs: bigint;
  severityNumber: number;
  severityText: string;
  eventName: string;
  body: unknown;
  attributes: Record<string, unknown>;
  traceId: string;
  spanId: string;
  scope: string;
  resource: Record<string, unknown>;
}

/** One metric data point (sum/gauge value, or histogram count and sum). */
export interface MetricPointRecord {
  name: string;
  unit: string;
  type: "sum" | "gauge" | "histogram" | "other";
  attributes: Record<string, unknown>;
  value: number | null;
  count: number | null;
  timeNs: bigint;
  resource: Record<string, unknown>;
}

/** What one OTLP export request yielded: the records to store and what was refused. */
export interface IngestBatch<T> {
  records: T[];
  rejected: number;
  /** Why the first rejected item was refused (OTLP `partial_success.error_message`). */
  rejectReason?: string;
}

const THREAD_KEYS = ["thread.id", "conversation.id", "thread_id", "conversation_id"];
const TURN_KEYS = ["turn.id", "turn_id"];

function firstString(attrs: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const k of keys) {
    const v = attrs[k];
    if (typeof v === "string" && v !== "") return v;
  }
  return null;
}

/** The thread a span or log belongs to, from Codex's and Spool's attribute names. */
export function threadIdOf(attrs: Record<string, unknown>): string | null {
  return firstString(attrs, THREAD_KEYS);
}

export function turnIdOf(attrs: Record<string, unknown>): string | null {
  return firstString(attrs, TURN_KEYS);
}

const TRACE_HEX = /^[0-9a-f]{32}$/;
const ZERO_TRACE = /^0+$/;

/**
 * The trace a timing event names in its fields when it was emitted outside any span: Codex's and
 * Spool's `trace_id` field, or the trace of an exec-server request's inbound `traceparent`.
 */
export function traceIdFromFields(attrs: Record<string, unknown>): string {
  const direct = attrs.trace_id;
  if (typeof direct === "string" && TRACE_HEX.test(direct) && !ZERO_TRACE.test(direct)) return direct;
  const tp = attrs.traceparent;
  const fromParent = typeof tp === "string" ? tp.split("-")[1]?.toLowerCase() : undefined;
  return fromParent && TRACE_HEX.test(fromParent) && !ZERO_TRACE.test(fromParent) ? fromParent : "";
}
