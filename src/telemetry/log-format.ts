import type { LogFields, LogRecord, LogRecordSpan } from "./log-types.js";

/** RFC 3339 UTC with microseconds, e.g. `2026-01-02T03:04:05.678901Z`. */
export function rfc3339Micros(epochMs: number): string {
  const ms = Math.floor(epochMs);
  const micros = Math.min(999, Math.max(0, Math.floor((epochMs - ms) * 1000)));
  return `${new Date(ms).toISOString().slice(0, -1)}${String(micros).padStart(3, "0")}Z`;
}

function spanObject(s: LogRecordSpan): Record<string, unknown> {
  const out: Record<string, unknown> = { name: s.name };
  for (const [k, v] of Object.entries(s.fields)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * One JSON line in tracing-subscriber's JSON shape (spec/timing-events.md §1): `timestamp`,
 * `level`, `fields` (with `message`), `target`, and `span`/`spans` when inside spans.
 */
export function formatJsonLine(r: LogRecord): string {
  const fields: Record<string, unknown> = { message: r.message };
  if (r.fields) for (const [k, v] of Object.entries(r.fields)) if (v !== undefined) fields[k] = v;
  const line: Record<string, unknown> = {
    timestamp: rfc3339Micros(r.epochMs),
    level: r.level.toUpperCase(),
    fields,
    target: r.target,
  };
  if (r.spans.length > 0) {
    line.span = spanObject(r.spans[r.spans.length - 1]!);
    line.spans = r.spans.map(spanObject);
  }
  return JSON.stringify(line) + "\n";
}

function humanValue(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function humanFields(fields: LogFields | undefined, sep: string): string {
  if (!fields) return "";
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) parts.push(`${k}=${humanValue(v)}`);
  return parts.join(sep);
}

/**
 * The human format: `<timestamp> <LEVEL> <span chain>: <target>: <message> key=value ...`, the
 * span chain being `name{field=value …}` joined by `:`. Same field names and values as JSON.
 */
export function formatHumanLine(r: LogRecord): string {
  let line = `${rfc3339Micros(r.epochMs)} ${r.level.toUpperCase().padStart(5)} `;
  if (r.spans.length > 0) {
    line +=
      r.spans
        .map((s) => {
          const f = humanFields(s.fields, " ");
          return f === "" ? s.name : `${s.name}{${f}}`;
        })
        .join(":") + ": ";
  }
  line += `${r.target}: ${r.message}`;
  const f = humanFields(r.fields, " ");
  return (f === "" ? line : `${line} ${f}`) + "\n";
}
