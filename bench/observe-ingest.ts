// Ingestion into `spool observe`: 100,000 spans over OTLP/HTTP protobuf in batches of 512, posted
// one batch at a time like a batch span processor, to the real receiver and store; the baseline
// in the same run is a bare HTTP server that reads the body and answers 200 (transport cost).
// Prints spans/s, batch latency p50/p99 and the ratio (target ≥ 20,000 spans/s).
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { SpanKind, context, trace } from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { startObserveServer } from "../src/observe/index.js";
import { fmt, percentile } from "./support/stats.js";

const SPANS = Number(process.env.BENCH_SPANS ?? 100_000);
const BATCH = 512;

/** Pre-serialized batches of turn-like spans (8–10 attributes each, one event on some). */
function batches(): Uint8Array[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "spool", "service.version": "0.1.0", env: "bench" }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer("bench");
  const out: Uint8Array[] = [];
  for (let made = 0, thread = 0; made < SPANS; thread++) {
    const turn = tracer.startSpan("session_task.turn", {
      attributes: {
        "thread.id": `thr_${thread}`,
        "turn.id": `turn_${thread}`,
        model: "gpt-5",
        "codex.turn.reasoning_effort": "medium",
      },
    });
    const ctx = trace.setSpan(context.active(), turn);
    for (let i = 1; i < BATCH && made + i < SPANS; i++) {
      const s = tracer.startSpan(
        i % 7 === 0 ? "exec_command" : "handle_responses",
        {
          kind: i % 5 === 0 ? SpanKind.CLIENT : SpanKind.INTERNAL,
          attributes: {
            "conversation.id": `thr_${thread}`,
            turn_id: `turn_${thread}`,
            call_id: `call_${i}`,
            tool_name: "exec_command",
            "codex.tool.phase": "dispatch",
            "code.file.path": "core/src/tools/parallel.rs",
            "code.line.number": 263,
            aborted: false,
          },
        },
        ctx,
      );
      if (i % 10 === 0) s.addEvent("codex.turn_ttft", { duration_ms: 120 });
      s.end();
    }
    turn.end();
    const spans = memory.getFinishedSpans();
    made += spans.length;
    out.push(ProtobufTraceSerializer.serializeRequest(spans.slice())!);
    memory.reset();
  }
  return out;
}

async function run(
  url: string,
  bodies: Uint8Array[],
): Promise<{ spansPerSec: number; p50: number; p99: number; cpuMs: number }> {
  const lat: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const body of bodies) {
    const s = performance.now();
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    lat.push(performance.now() - s);
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    spansPerSec: SPANS / secs,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

const bodies = batches();
const bare = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "application/x-protobuf" }).end());
});
await new Promise<void>((r) => bare.listen(0, "127.0.0.1", r));
const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/v1/traces`;
const dir = mkdtempSync(join(tmpdir(), "spool-bench-observe-"));
const observe = await startObserveServer({
  storePath: join(dir, "observe.sqlite"),
  otlpPort: 0,
  uiPort: 0,
  retention: { maxAgeMs: 1e12, maxBytes: 1e12 },
});
const baseline = await run(bareUrl, bodies);
const store = await run(`${observe.otlpUrl}/v1/traces`, bodies);
const stored = (observe.store.db.prepare("SELECT count(*) AS n FROM spans").get() as { n: number }).n;
const bytes = observe.store.usedBytes();
await observe.close();
bare.close();
rmSync(dir, { recursive: true, force: true });
const line = (label: string, r: typeof store) =>
  `${label.padEnd(22)} ${fmt(r.spansPerSec, 0).padStart(8)} spans/s  batch p50 ${fmt(r.p50, 2)} ms  p99 ${fmt(r.p99, 2)} ms`;
console.log(`${SPANS} spans in ${bodies.length} OTLP/HTTP protobuf batches of ${BATCH}, one in flight`);
console.log(line("bare HTTP (baseline)", baseline));
console.log(line("spool observe", store));
// Client and server share this process: the CPU the receiver adds over the bare baseline is the
// ingestion cost itself, a figure that holds on a machine shared with other work.
const ingestCpuUs = ((store.cpuMs - baseline.cpuMs) * 1000) / SPANS;
console.log(
  `receiver CPU per span (over baseline): ${fmt(ingestCpuUs, 1)} µs → ${fmt(1e6 / ingestCpuUs, 0)} spans per CPU-second; ` +
    `load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
);
console.log(`stored ${stored} spans, ${(bytes / 1024 / 1024).toFixed(1)} MiB in use`);
console.log(
  `ratio observe/baseline throughput ${fmt(store.spansPerSec / baseline.spansPerSec, 3)}x; ` +
    `target ≥ 20000 spans/s: ${store.spansPerSec >= 20_000 ? "met" : "NOT met"}`,
);
