import { basename } from "node:path";
import { z } from "zod";
import type { ApiLog } from "./api-types.js";
import { isStoredLogFamily } from "./otlp-records.js";
import { traceIdFromFields, type LogRecordRow } from "./records.js";
import type { ObserveStore } from "./store.js";
import { placeTimingLogs } from "./timing-placement.js";

/** One JSON log line as tracing-subscriber's formatter (Codex) and Spool's write it. */
const LogLine = z.looseObject({
  timestamp: z.string(),
  level: z.string(),
  fields: z.record(z.string(), z.unknown()),
  target: z.string(),
});

const SEVERITY: Readonly<Record<string, number>> = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17 };

/** RFC 3339 (UTC or with an offset, any fraction of a second) → nanoseconds since the epoch. */
export function rfc3339Nanos(text: string): bigint | undefined {
  const m = /^(.+T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

function scalars(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (k === "message") continue;
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = v;
  }
  return out;
}

export interface LogImportResult {
  lines: number;
  /** Lines that are not JSON log lines (human format, other output). */
  notJson: number;
  /** Events of the stored families (`codex.*`, `spool_*`) found. */
  events: number;
  imported: number;
  /** Events already in the store (the same file imported before). */
  duplicates: number;
  /** Imported events whose span is in the store now (the rest are placed when it arrives). */
  onSpans: number;
}

/** The events of a log file's text that the store keeps, as log records. */
export function parseLogEvents(
  text: string,
  file: string,
): { records: LogRecordRow[]; lines: number; notJson: number } {
  const records: LogRecordRow[] = [];
  let lines = 0;
  let notJson = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    lines++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      notJson++;
      continue;
    }
    const shape = LogLine.safeParse(parsed);
    if (!shape.success) {
      notJson++;
      continue;
    }
    const { fields, target, level, timestamp } = shape.data;
    const eventName = fields["event.name"];
    // Only named events of the stored families: a target such as `codex_core::…` alone does not
    // qualify (most of a log is diagnostics).
    if (typeof eventName !== "string" || !isStoredLogFamily(eventName, "")) continue;
    const timeNs = rfc3339Nanos(timestamp);
    if (timeNs === undefined) continue;
    const attributes = scalars(fields);
    records.push({
      timeNs,
      severityNumber: SEVERITY[level.toUpperCase()] ?? 0,
      severityText: level.toUpperCase(),
      eventName,
      body: typeof fields.message === "string" ? fields.message : undefined,
      attributes,
      // The store takes the trace from `trace_id` / `traceparent`; the span is found when viewed.
      traceId: "",
      spanId: "",
      scope: target,
      resource: {
        "service.name": target.startsWith("codex") ? "codex" : "spool",
        "spool.imported_from": basename(file),
      },
    });
  }
  return { records, lines, notJson };
}

/**
 * Imports the timing and business events of a JSON log file (`LOG_FORMAT=json` stderr of Spool
 * or Codex) into the store, in one transaction. Importing the same file twice adds nothing.
 */
export function importLogText(store: ObserveStore, text: string, file: string): LogImportResult {
  const { records, lines, notJson } = parseLogEvents(text, file);
  const seen = store.stmt(
    "SELECT 1 FROM logs WHERE time_ns = ? AND event_name = ? AND scope = ? AND attributes = ? LIMIT 1",
  );
  const fresh = records.filter(
    (r) => !seen.get(r.timeNs, r.eventName, r.scope, JSON.stringify(r.attributes)),
  );
  store.insertLogs(fresh);
  const placed: ApiLog[] = fresh.map((r) => ({
    timeNs: String(r.timeNs),
    eventName: r.eventName,
    severityText: r.severityText,
    traceId: traceIdFromFields(r.attributes),
    spanId: "",
    attributes: r.attributes,
    body: r.body,
  }));
  placeTimingLogs(store, placed);
  return {
    lines,
    notJson,
    events: records.length,
    imported: fresh.length,
    duplicates: records.length - fresh.length,
    onSpans: placed.filter((l) => l.spanId !== "").length,
  };
}
