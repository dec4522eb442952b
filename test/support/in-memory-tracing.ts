import { after, before } from "node:test";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { installTracing, type TracingHandle } from "../../src/telemetry/index.js";

/** Installs tracing to an in-memory exporter for the enclosing suite; returns the exporter. */
export function useInMemoryTracing(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  let handle: TracingHandle | undefined;
  before(() => {
    handle = installTracing({ exporter, processor: "simple" });
  });
  after(async () => {
    await handle?.shutdown();
  });
  return exporter;
}
