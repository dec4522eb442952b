// Cost per request span on the model/list path: the full telemetry provider exporting over
// OTLP/protobuf to a local receiver (in a child process, so its decoding is not counted) and to
// a discarding exporter, vs. tracing off; same process, interleaved rounds.
// Run: node --import tsx bench/telemetry-span-cost.ts   (or npm run bench -- bench/telemetry-span-cost.ts)
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createInterface } from "node:readline";
import { ExportResultCode } from "@opentelemetry/core";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppServer } from "../src/app-server/index.js";
import { buildAppServerServices } from "../src/cli/compose.js";
import { loadConfig } from "../src/config/index.js";
import { RpcConnection, createInProcessTransportPair } from "../src/rpc/index.js";
import {
  configureLogging,
  defaultOtelSettings,
  installTelemetry,
  type TelemetryHandle,
} from "../src/telemetry/index.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const ROUNDS = 5;

configureLogging({ filter: "warn" });
// The receiver runs in its own process and reports how many spans it got.
const receiverProc = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    "-e",
    `import { startOtlpReceiver } from "./src/otlp-receiver/index.ts";
     const r = await startOtlpReceiver();
     console.log(r.url);
     process.stdin.on("data", () => console.log(r.spans.length));`,
  ],
  { stdio: ["pipe", "pipe", "inherit"] },
);
const receiverLines = createInterface({ input: receiverProc.stdout });
const nextLine = () => new Promise<string>((resolve) => receiverLines.once("line", resolve));
const receiverUrl = await nextLine();
const discard: SpanExporter = {
  export: (_spans, cb) => cb({ code: ExportResultCode.SUCCESS }),
  shutdown: async () => {},
};
const home = mkdtempSync(join(tmpdir(), "spool-bench-"));
const server = new AppServer({ services: buildAppServerServices(loadConfig({ home })) });
const [serverEnd, clientEnd] = createInProcessTransportPair();
void server.serve(serverEnd);
const client = new RpcConnection(clientEnd).start();
await client.request("initialize", { clientInfo: { name: "bench", title: "bench", version: "1" } });
client.notify("initialized");

async function run(n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await client.request("model/list", {});
  return Number(process.hrtime.bigint() - t0) / n;
}

function exporting(): TelemetryHandle {
  return installTelemetry({
    settings: {
      ...defaultOtelSettings(),
      traceExporter: {
        kind: "otlp-http",
        endpoint: `${receiverUrl}/v1/traces`,
        protocol: "binary",
        headers: {},
      },
    },
  });
}

await run(1000); // warm-up, tracing off
const off: number[] = [];
const on: number[] = [];
const sdk: number[] = [];
let dropped = 0;
for (let r = 0; r < ROUNDS; r++) {
  off.push(await run(REQUESTS));
  const t = exporting();
  on.push(await run(REQUESTS));
  await t.shutdown();
  dropped += t.dropped().traces;
  const d = installTelemetry({ exporters: { traces: discard } });
  sdk.push(await run(REQUESTS));
  await d.shutdown();
  installTelemetry({}); // back to tracing off
}
receiverProc.stdin.write("count\n");
const received = Number(await nextLine());
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const offNs = median(off);
const onNs = median(on);
const sdkNs = median(sdk);
console.log(`model/list in-process, ${REQUESTS} requests x ${ROUNDS} rounds (median per request)`);
console.log(`  tracing off:                     ${(offNs / 1000).toFixed(1)} µs/request`);
console.log(`  full provider, OTLP/protobuf:    ${(onNs / 1000).toFixed(1)} µs/request`);
console.log(`  full provider, discarding export: ${(sdkNs / 1000).toFixed(1)} µs/request`);
console.log(`  cost per span (OTLP export):     ${((onNs - offNs) / 1000).toFixed(1)} µs`);
console.log(`  ratio exporting / off:           ${(onNs / offNs).toFixed(2)}x`);
console.log(
  `  spans received by the receiver:  ${received} of ${REQUESTS * ROUNDS} (reported dropped: ${dropped}; default queue 2048)`,
);
receiverProc.kill();
process.exit(0);
