/** Severity of a local log event, most severe first. */
export type LogLevel = "error" | "warn" | "info" | "debug" | "trace";

/** Numeric rank: a directive at level L enables every event whose rank is ≤ rank(L). */
export const LEVEL_RANK: Readonly<Record<LogLevel, number>> = {
  error: 1,
  warn: 2,
  info: 3,
  debug: 4,
  trace: 5,
};
export const OFF_RANK = 0;

export function parseLevel(text: string): number | undefined {
  const lower = text.trim().toLowerCase();
  if (lower === "off") return OFF_RANK;
  return (LEVEL_RANK as Record<string, number | undefined>)[lower];
}
