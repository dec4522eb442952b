import { createRequire } from "node:module";
import type * as SdkMetricsPackage from "@opentelemetry/sdk-metrics";

// OTel packages a process needs only when a setting asks for them: the OTLP exporters (and
// protobufjs/gRPC behind them) and the metrics SDK. They are CommonJS, so `require` loads them
// synchronously at the moment the (synchronous) `installTelemetry` builds what is configured; a
// process with the default settings never reads them. The `spool` bundle
// (scripts/bundle-cli.mjs) leaves these calls alone, so they resolve from node_modules at run time.
const load = createRequire(import.meta.url);

export type SdkMetrics = typeof SdkMetricsPackage;

/** `@opentelemetry/sdk-metrics`, loaded on first use. */
export function sdkMetrics(): SdkMetrics {
  return load("@opentelemetry/sdk-metrics") as SdkMetrics;
}

/** An exporter package's exports, loaded on first use. */
export function lazyPackage<T>(name: string): T {
  return load(name) as T;
}
