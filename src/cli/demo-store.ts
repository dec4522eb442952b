import { loadConfig, resolveObserveConfig, spoolHome } from "../config/index.js";
import { ObserveStore, logRecordsFromOtlp, spanRecordsFromOtlp } from "../observe/index.js";
import type { OtlpCollector } from "../otlp-receiver/index.js";

/**
 * Copies what the demo's receiver collected (OTLP/JSON bodies) into the user's observe store,
 * so `spool observe` and `spool trace show` show the demo session afterwards. Returns the
 * store's path.
 */
export function storeDemoTelemetry(collector: OtlpCollector, env: NodeJS.ProcessEnv = process.env): string {
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
  } finally {
    store.close();
  }
  return storePath;
}
