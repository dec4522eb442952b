// Time to shut down with 10,000 queued spans: exporting to a local OTLP/protobuf receiver, and
// with the exporter pointed at a closed port (bounded by the shutdown timeout).
// Run: node --import tsx bench/telemetry-shutdown.ts
import { createServer } from "node:net";
import { configureLogging, defaultOtelSettings, installTelemetry, withSpan } from "../src/telemetry/index.js";
import { startOtlpReceiver } from "../src/otlp-receiver/index.js";

const SPANS = 10_000;
configureLogging({ filter: "error" });

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const addr = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof addr === "object" && addr ? addr.port : 0;
}

async function measure(label: string, endpoint: string, timeoutMs: number): Promise<void> {
  const t = installTelemetry({
    settings: {
      ...defaultOtelSettings(),
      traceExporter: { kind: "otlp-http", endpoint, protocol: "binary", headers: {} },
    },
    // Everything stays queued until shutdown.
    batch: { maxQueueSize: SPANS * 2, maxExportBatchSize: 512, scheduledDelayMillis: 3_600_000 },
  });
  for (let i = 0; i < SPANS; i++) withSpan("queued", { "i.index": i }, () => {});
  const t0 = performance.now();
  await t.shutdown(timeoutMs);
  const ms = performance.now() - t0;
  console.log(`  ${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms   dropped ${t.dropped().traces}`);
}

console.log(`shutdown with ${SPANS} queued spans`);
const receiver = await startOtlpReceiver();
await measure("exporting to local receiver (http/protobuf)", `${receiver.url}/v1/traces`, 30_000);
console.log(`  spans received: ${receiver.spans.length}`);
await measure(
  "exporter at a closed port, bound 2000 ms",
  `http://127.0.0.1:${await closedPort()}/v1/traces`,
  2000,
);
await receiver.close();
process.exit(0);
