// model/list round trips over stdio to a spawned `spool app-server`, tracing off vs tracing on
// (batch-exporting OTLP http/protobuf to a discarding local sink in a separate process) vs the
// embedded default (spans into the local observe store through a worker thread), in one run.
// Prints p50/p99 latency and req/s, sequential and with 32 requests in flight, and the ratios.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { RpcConnection, StreamTransport } from "../src/rpc/index.js";
import { fmt, percentile } from "./support/stats.js";

const MAIN = new URL("../dist/cli/main.js", import.meta.url).pathname;
const SEQ = Number(process.env.BENCH_SEQ ?? 5000);
const PAR = Number(process.env.BENCH_PAR ?? 20000);
const IN_FLIGHT = 32;

/** A local OTLP/HTTP sink in its own process that reads and discards bodies, counting them. */
async function startSink(): Promise<{ url: string; stop(): void; count(): Promise<string> }> {
  const code = `
    const { createServer } = await import("node:http");
    let requests = 0, bytes = 0;
    const server = createServer((req, res) => {
      req.on("data", (d) => (bytes += d.length));
      req.on("end", () => { requests++; res.writeHead(200, { "content-type": "application/x-protobuf" }).end(); });
    });
    server.listen(0, "127.0.0.1", () => console.log("http://127.0.0.1:" + server.address().port));
    process.stdin.on("data", () => console.log(requests + " export requests, " + bytes + " bytes"));`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const rl = createInterface({ input: child.stdout });
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  rl.on("line", (l) => {
    lines.push(l);
    wake?.();
  });
  const next = async () => {
    while (lines.length === 0) await new Promise<void>((r) => (wake = r));
    return lines.shift()!;
  };
  const url = await next();
  return {
    url,
    stop: () => child.kill(),
    async count() {
      child.stdin.write("?\n");
      return next();
    },
  };
}

/**
 * CPU time (user + system, µs) the child's main thread has used, from Linux's per-thread stat
 * (clock ticks); the embedded store's writer thread is left out. Undefined elsewhere.
 */
function mainThreadCpuUs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return undefined;
  }
}

interface Result {
  /** Main-thread CPU per request over both timed phases, µs (NaN where unmeasurable). */
  cpuUs: number;
  seqP50: number;
  seqP99: number;
  seqRps: number;
  parP50: number;
  parP99: number;
  parRps: number;
}

async function measure(env: NodeJS.ProcessEnv): Promise<Result> {
  const home = mkdtempSync(join(tmpdir(), "spool-bench-"));
  const child = spawn(process.execPath, [MAIN, "app-server"], {
    env: { ...process.env, SPOOL_HOME: home, ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const client = new RpcConnection(new StreamTransport(child.stdout, child.stdin)).start();
  await client.request("initialize", { clientInfo: { name: "bench", version: "0" } });
  client.notify("initialized");
  for (let i = 0; i < 1000; i++) await client.request("model/list", {});

  const cpu0 = mainThreadCpuUs(child.pid!);
  const seq: number[] = [];
  let t0 = performance.now();
  for (let i = 0; i < SEQ; i++) {
    const s = performance.now();
    await client.request("model/list", {});
    seq.push(performance.now() - s);
  }
  const seqRps = SEQ / ((performance.now() - t0) / 1000);

  const par: number[] = [];
  let issued = 0;
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (issued < PAR) {
        issued++;
        const s = performance.now();
        await client.request("model/list", {});
        par.push(performance.now() - s);
      }
    }),
  );
  const parRps = PAR / ((performance.now() - t0) / 1000);
  const cpu1 = mainThreadCpuUs(child.pid!);
  child.stdin.end();
  await new Promise((r) => child.once("exit", r));
  rmSync(home, { recursive: true, force: true });
  return {
    cpuUs: cpu0 === undefined || cpu1 === undefined ? NaN : (cpu1 - cpu0) / (SEQ + PAR),
    seqP50: percentile(seq, 50),
    seqP99: percentile(seq, 99),
    seqRps,
    parP50: percentile(par, 50),
    parP99: percentile(par, 99),
    parRps,
  };
}

function line(label: string, r: Result): string {
  return (
    `${label.padEnd(12)} sequential p50 ${fmt(r.seqP50)} ms  p99 ${fmt(r.seqP99)} ms  ${fmt(r.seqRps, 0)} req/s` +
    ` | ${IN_FLIGHT} in flight p50 ${fmt(r.parP50)} ms  p99 ${fmt(r.parP99)} ms  ${fmt(r.parRps, 0)} req/s` +
    ` | main-thread CPU ${fmt(r.cpuUs, 1)} µs/req`
  );
}

const sink = await startSink();
const tracingOn = {
  OTEL_TRACES_EXPORTER: "otlp",
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf",
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${sink.url}/v1/traces`,
};
// Alternate off/on so drift on a shared machine hits both sides alike; report the median round.
// Sequential latency on an idle machine is dominated by CPU wake-up latency, so it is noisy.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const runs: { off: Result[]; on: Result[]; embedded: Result[] } = { off: [], on: [], embedded: [] };
for (let round = 0; round < ROUNDS; round++) {
  // With no exporter configured the embedded store is the default; off means the SDK disabled.
  runs.off.push(await measure({ OTEL_SDK_DISABLED: "true" }));
  runs.on.push(await measure(tracingOn));
  runs.embedded.push(await measure({}));
}
const median = (rs: Result[]): Result => {
  const pick = (k: keyof Result) =>
    percentile(
      rs.map((r) => r[k]),
      50,
    );
  return {
    cpuUs: pick("cpuUs"),
    seqP50: pick("seqP50"),
    seqP99: pick("seqP99"),
    seqRps: pick("seqRps"),
    parP50: pick("parP50"),
    parP99: pick("parP99"),
    parRps: pick("parRps"),
  };
};
const off = median(runs.off);
const on = median(runs.on);
const embedded = median(runs.embedded);
const exported = await sink.count();
sink.stop();
console.log(
  `model/list over stdio (${SEQ} sequential, ${PAR} with ${IN_FLIGHT} in flight; median of ${ROUNDS} alternated rounds)`,
);
console.log(line("tracing off", off));
console.log(line("tracing on", on));
console.log(line("embedded", embedded));
console.log(`sink received: ${exported} (OTLP http/protobuf, batch span processor defaults)`);
console.log(
  `ratio on/off: sequential p50 ${fmt(on.seqP50 / off.seqP50, 2)}x, sequential throughput ${fmt(on.seqRps / off.seqRps, 2)}x, ` +
    `${IN_FLIGHT}-in-flight throughput ${fmt(on.parRps / off.parRps, 2)}x (target ≥ 0.9x; p50 target ≤ 0.15 ms with tracing on)`,
);
console.log(
  `ratio embedded/off: sequential p50 ${fmt(embedded.seqP50 / off.seqP50, 2)}x (target ≤ 1.1x), ` +
    `${IN_FLIGHT}-in-flight throughput ${fmt(embedded.parRps / off.parRps, 2)}x, ` +
    `main-thread CPU per request ${fmt(embedded.cpuUs / off.cpuUs, 2)}x (+${fmt(embedded.cpuUs - off.cpuUs, 1)} µs)`,
);
