import { loadConfig, resolveObserveConfig, spoolHome } from "../config/index.js";
import { ObserveStore, importLogText, logRecordsFromOtlp, spanRecordsFromOtlp } from "../observe/index.js";
import type { OtlpCollector } from "../otlp-receiver/index.js";

/**
 * Copies what the demo's receiver collected (OTLP/JSON bodies) into the user's observe store,
 * so `spool observe` and `spool trace show` show the demo session afterwards, and the timing
 * events of the app-server's JSON stderr (they are local log lines, never exported), so the
 * viewer places `codex.tool_call` on its tool spans. Returns the store's path.
 */
export function storeDemoTelemetry(
  collector: OtlpCollector,
  appServerStderr: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  let storePath: string;
  try {
    const loaded = loadConfig({ env });
    storePath = resolveObserveConfig(loaded.config.observe, loaded.home).storePath;
  } catch {
    storePath = resolveObserveConfig(undefined, spoolHome(env)).storePath;
  }
  const store = ObserveStore.open(storePath);
  try {
    for (const body of collector.bodies.get("/v1/traces") ?? [])
      store.insertSpans(spanRecordsFromOtlp(body).records);
    for (const body of collector.bodies.get("/v1/logs") ?? [])
      store.insertLogs(logRecordsFromOtlp(body).records);
    importLogText(store, appServerStderr, "demo app-server stderr");
  } finally {
    store.close();
  }
  return storePath;
}
