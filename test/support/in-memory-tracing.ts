import { after, before } from "node:test";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { installTelemetry, type TelemetryHandle } from "../../src/telemetry/index.js";

/**
 * Installs telemetry the way production does (`installTelemetry`), with traces going to a fresh
 * in-memory exporter through the simple processor. `env` replaces `process.env` (default: empty,
 * so a developer's `OTEL_*` or `TRACEPARENT` cannot leak in).
 */
export function installInMemoryTracing(env: NodeJS.ProcessEnv = {}): {
  exporter: InMemorySpanExporter;
  handle: TelemetryHandle;
} {
  const exporter = new InMemorySpanExporter();
  const handle = installTelemetry({ exporters: { traces: exporter }, processor: "simple", env });
  return { exporter, handle };
}

/** Installs in-memory tracing for the enclosing suite; returns the exporter. */
export function useInMemoryTracing(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  let handle: TelemetryHandle | undefined;
  before(() => {
    handle = installTelemetry({ exporters: { traces: exporter }, processor: "simple", env: {} });
  });
  after(async () => {
    await handle?.shutdown();
  });
  return exporter;
}
