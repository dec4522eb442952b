import type { LoggerProvider, Logger as OtelLogger } from "@opentelemetry/api-logs";
import { LOG_SEVERITY as SEVERITY, addLogTap, type TappedLogRecord } from "../telemetry/index.js";

/**
 * Where Spool emits its timing events (spec/timing-events.md): core's tool-call guard and the
 * exec-server's request and process guards. Kept as strings because observe sits below core
 * and exec-server; a test checks them against those layers' constants.
 */
export const TIMING_EVENT_TARGETS: readonly string[] = [
  "spool_core::tools::parallel",
  "spool_exec_server::telemetry",
];

/** The timing events the store keeps (spec/timing-events.md §3–5). */
export const TIMING_EVENTS: ReadonlySet<string> = new Set([
  "codex.tool_call",
  "codex.exec_server_request",
  "codex.exec_server_process",
]);

function attributesOf(fields: TappedLogRecord["fields"]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(fields ?? {})) if (v !== undefined && v !== null) out[k] = v;
  return out;
}

/**
 * Sends the timing events to `provider` as OTel log records, whatever the stderr filter says:
 * the embedded store's log exporter batches them off the request path with everything else.
 * The SDK takes trace and span ids from the context active at the event (the tool span, the
 * exec-server request span); events emitted outside a span carry `trace_id` in their fields,
 * which the store reads. They hold ids, names and durations only, so no privacy lane is crossed.
 * Returns the tap's removal.
 */
export function tapTimingEvents(provider: LoggerProvider): () => void {
  const loggers = new Map<string, OtelLogger>();
  return addLogTap({
    level: (target) => (TIMING_EVENT_TARGETS.includes(target) ? "info" : undefined),
    record(r) {
      const eventName = r.fields?.["event.name"];
      if (typeof eventName !== "string" || !TIMING_EVENTS.has(eventName)) return;
      let otel = loggers.get(r.target);
      if (!otel) loggers.set(r.target, (otel = provider.getLogger(r.target)));
      otel.emit({
        timestamp: r.epochMs,
        severityNumber: SEVERITY[r.level],
        severityText: r.level.toUpperCase(),
        body: r.message,
        eventName,
        attributes: attributesOf(r.fields),
      });
    },
  });
}
