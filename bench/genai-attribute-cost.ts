// Added cost of the OpenTelemetry GenAI conventions per model call: the same replayed stream
// through the full model client, with the full telemetry provider (traces to a discarding
// exporter, metrics through the MetricsClient, SessionTelemetry events), GenAI on vs. off
// (`ModelClientOptions.genAi`). Same process, interleaved rounds (order alternating), CPU time.
// Run: node --import tsx bench/genai-attribute-cost.ts   (or npm run bench -- bench/genai-attribute-cost.ts)
import { ExportResultCode } from "@opentelemetry/core";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { ModelClient, sessionModelTelemetry, userMessage } from "../src/model-client/index.js";
import { scriptedModelProvider, startScriptedModelServer } from "../src/model-server/index.js";
import { SessionTelemetry, configureLogging, installTelemetry, withSpan } from "../src/telemetry/index.js";
import { percentile } from "./support/stats.js";

const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);
const ROUNDS = 11;

configureLogging({ filter: "warn" });
const discardSpans: SpanExporter = {
  export: (_spans, cb) => cb({ code: ExportResultCode.SUCCESS }),
  shutdown: async () => {},
};
const discardMetrics: PushMetricExporter = {
  export: (_m, cb) => cb({ code: ExportResultCode.SUCCESS }),
  forceFlush: async () => {},
  shutdown: async () => {},
};
const telemetry = installTelemetry({ exporters: { traces: discardSpans, metrics: discardMetrics } });
const session = new SessionTelemetry(
  {
    conversationId: "thr_bench",
    model: "bench",
    slug: "bench",
    originator: "bench",
    appVersion: "0.1.0",
    terminalType: "none",
    sessionSource: "exec",
  },
  { metrics: telemetry.metrics },
);

/** The exact bytes the scripted server sends for a response of `deltas` text deltas with usage. */
async function capture(deltas: number): Promise<Uint8Array> {
  const server = await startScriptedModelServer({
    script: {
      chunk_chars: 4,
      responses: [
        {
          output: [{ type: "message", text: "abcd".repeat(deltas) }],
          usage: { input_tokens: 1200, output_tokens: deltas, cached_tokens: 800 },
        },
      ],
    },
  });
  const res = await fetch(`${server.url}/responses`, {
    method: "POST",
    body: JSON.stringify({ model: "bench", input: [], stream: true }),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  await server.close();
  return bytes;
}

function replayFetch(bytes: Uint8Array): typeof fetch {
  return async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      }),
      { status: 200, headers: { "content-type": "text/event-stream", "x-request-id": "req_bench" } },
    );
}

const request = { model: "bench", instructions: "be brief", input: [userMessage("go")] };

/** CPU µs per stream (this process's user + system time: steadier than wall time on a shared machine). */
async function perStreamUs(client: ModelClient, n: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    await withSpan("turn", {}, async () => {
      const outcome = await client.stream(request).collect();
      if (outcome.status !== "completed") throw new Error(`bench stream ended ${outcome.status}`);
    });
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

const median = (xs: number[]) => percentile(xs, 50);
console.log(
  `full model client, replayed stream, traces + metrics on (discarding exporters), ${STREAMS} streams x ${ROUNDS} rounds (median per stream)`,
);
for (const deltas of [20, 300]) {
  const bytes = await capture(deltas);
  const make = (genAi: boolean) =>
    new ModelClient({
      provider: scriptedModelProvider("http://replay.invalid/v1"),
      fetch: replayFetch(bytes),
      telemetry: sessionModelTelemetry(session),
      conversationId: "thr_bench",
      genAi,
    });
  const off = make(false);
  const on = make(true);
  await perStreamUs(off, 100); // warm-up
  await perStreamUs(on, 100);
  const offUs: number[] = [];
  const onUs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which variant runs first so drift in machine load does not favour one.
    const order = r % 2 === 0 ? [off, on] : [on, off];
    const t: number[] = [];
    for (const c of order) {
      globalThis.gc?.();
      t.push(await perStreamUs(c, STREAMS));
    }
    const [a, b] = r % 2 === 0 ? [t[0]!, t[1]!] : [t[1]!, t[0]!];
    offUs.push(a);
    onUs.push(b);
    ratios.push(b / a);
  }
  const a = median(offUs);
  const b = median(onUs);
  console.log(`  ${deltas} deltas (${bytes.length} bytes):`);
  console.log(`    Codex names only:             ${a.toFixed(1)} µs CPU/stream`);
  console.log(`    + GenAI attributes & metrics: ${b.toFixed(1)} µs CPU/stream`);
  console.log(`    added per inference span + metric record: ${(b - a).toFixed(1)} µs`);
  console.log(
    `    ratio GenAI / Codex only:     ${median(ratios).toFixed(3)}x median of per-round ratios (target <= 1.05x)`,
  );
}
await telemetry.shutdown();
process.exit(0);
