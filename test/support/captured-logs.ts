import { configureLogging, type LogRecord } from "../../src/telemetry/index.js";

/**
 * Routes warnings (and worse) into an array until `restore()`, so a test that provokes one can
 * assert it instead of printing it.
 */
export function captureWarnings(): { records: LogRecord[]; messages: () => string[]; restore: () => void } {
  const records: LogRecord[] = [];
  const restore = configureLogging({ filter: "warn", sink: (r) => records.push(r) });
  return { records, messages: () => records.map((r) => r.message), restore };
}
