/** Codex's target families (spec/otel.md §3); kept literally for wire compatibility. */
export const LOG_ONLY_TARGET = "codex_otel.log_only";
export const TRACE_SAFE_TARGET = "codex_otel.trace_safe";

/** Where an event of a target may go besides the local log. Decided once per target. */
export type ExportRoute = "local" | "log" | "trace";

export function isTraceSafeTarget(target: string): boolean {
  return target.startsWith(TRACE_SAFE_TARGET);
}

/** `codex_otel.*` except the trace-safe family: exported as OTel log records. */
export function isLogExportTarget(target: string): boolean {
  return target.startsWith("codex_otel") && !isTraceSafeTarget(target);
}

export function exportRoute(target: string): ExportRoute {
  if (isTraceSafeTarget(target)) return "trace";
  if (isLogExportTarget(target)) return "log";
  return "local";
}
