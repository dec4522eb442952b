import type { ApiLog } from "./api-types.js";
import type { ObserveStore } from "./store.js";

// Timing events read from a log file (or exported by a process that emitted them outside any
// span) arrive with a trace id but no span id. These find the span each one times, from the ids
// the event names, so the waterfall can put it on its span. Nothing here writes: the answer
// depends on which spans have arrived, and spans may come after their events.

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function toolCallSpan(store: ObserveStore, log: ApiLog): string | undefined {
  const callId = str(log.attributes.call_id);
  if (!callId) return undefined;
  // The span named after the tool (Codex's `exec_command`, Spool's tool span), else the
  // outermost span of the call.
  const row = store
    .stmt(
      `SELECT span_id FROM spans WHERE trace_id = ? AND json_extract(attributes, '$.call_id') = ?
       ORDER BY name = ? DESC, start_ns LIMIT 1`,
    )
    .get(log.traceId, callId, str(log.attributes.tool_name) ?? "") as { span_id: string } | undefined;
  return row?.span_id;
}

const IS_METHOD = `(name = ? OR json_extract(attributes, '$."rpc.method"') = ?)`;

function execRequestSpan(store: ObserveStore, log: ApiLog): string | undefined {
  const caller = str(log.attributes.traceparent)?.split("-")[2]?.toLowerCase();
  const method = str(log.attributes.method);
  if (!caller || !method) return undefined;
  // The exec-server's request span is a child of the span that sent the request.
  const own = store
    .stmt(
      `SELECT span_id FROM spans WHERE trace_id = ? AND parent_span_id = ? AND ${IS_METHOD}
       ORDER BY start_ns LIMIT 1`,
    )
    .get(log.traceId, caller, method, method) as { span_id: string } | undefined;
  if (own) return own.span_id;
  const sender = store
    .stmt("SELECT span_id FROM spans WHERE trace_id = ? AND span_id = ?")
    .get(log.traceId, caller) as { span_id: string } | undefined;
  return sender?.span_id;
}

function execProcessSpan(store: ObserveStore, log: ApiLog): string | undefined {
  const ms = Number(log.attributes.duration_ms);
  if (!Number.isFinite(ms)) return undefined;
  // The process was started inside its `process/start` request: the last one that began by the
  // time the process did (its event time minus its duration, a millisecond of rounding allowed).
  const startedBy = BigInt(log.timeNs) - BigInt(Math.floor(ms)) * 1_000_000n + 1_000_000n;
  const row = store
    .stmt(
      `SELECT span_id FROM spans WHERE trace_id = ? AND ${IS_METHOD} AND start_ns <= ?
       ORDER BY start_ns DESC LIMIT 1`,
    )
    .get(log.traceId, "process/start", "process/start", startedBy) as { span_id: string } | undefined;
  return row?.span_id;
}

const FINDERS: Readonly<Record<string, (store: ObserveStore, log: ApiLog) => string | undefined>> = {
  "codex.tool_call": toolCallSpan,
  "codex.exec_server_request": execRequestSpan,
  "codex.exec_server_process": execProcessSpan,
};

/** Sets the span id of each timing event that has a trace but no span, when its span is stored. */
export function placeTimingLogs(store: ObserveStore, logs: ApiLog[]): void {
  for (const log of logs) {
    if (log.spanId || !log.traceId) continue;
    const spanId = FINDERS[log.eventName]?.(store, log);
    if (spanId) log.spanId = spanId;
  }
}
