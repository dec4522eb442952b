// What the embedded store costs in CPU: model/list with 32 requests in flight to a spawned
// `spool app-server`, tracing off (the baseline, SDK disabled) vs the embedded default (spans
// into the local store through its writer thread), alternated rounds. Reads Linux's per-process
// and per-thread CPU counters: the whole process (writer thread included, measured after the
// batch processor's 5 s flush so the batches of the run are written) and the main thread alone
// (the request path's thread). Prints µs per request and the ratios.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { RpcConnection, StreamTransport } from "../src/rpc/index.js";
import { fmt, percentile } from "./support/stats.js";

const MAIN = new URL("../dist/cli/main.js", import.meta.url).pathname;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 30_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IN_FLIGHT = 32;
/** Past the batch span processor's default schedule delay (5 s). */
const FLUSH_WAIT_MS = 6_000;

/** utime + stime in µs from a /proc stat line (clock ticks of 10 ms). */
function cpuUs(path: string): number {
  const stat = readFileSync(path, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function measure(env: NodeJS.ProcessEnv): Promise<{ process: number; main: number }> {
  const home = mkdtempSync(join(tmpdir(), "spool-bench-cpu-"));
  const child = spawn(process.execPath, [MAIN, "app-server"], {
    env: { ...process.env, SPOOL_HOME: home, ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const client = new RpcConnection(new StreamTransport(child.stdout, child.stdin)).start();
  await client.request("initialize", { clientInfo: { name: "bench", version: "0" } });
  client.notify("initialized");
  for (let i = 0; i < 1000; i++) await client.request("model/list", {});
  const pid = child.pid!;
  // Let the warm-up's batch be written first, so the window holds this run's work only.
  await new Promise((r) => setTimeout(r, FLUSH_WAIT_MS));
  const p0 = cpuUs(`/proc/${pid}/stat`);
  const m0 = cpuUs(`/proc/${pid}/task/${pid}/stat`);
  let issued = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (issued++ < REQUESTS) await client.request("model/list", {});
    }),
  );
  await new Promise((r) => setTimeout(r, FLUSH_WAIT_MS));
  const p1 = cpuUs(`/proc/${pid}/stat`);
  const m1 = cpuUs(`/proc/${pid}/task/${pid}/stat`);
  child.stdin.end();
  await new Promise((r) => child.once("exit", r));
  rmSync(home, { recursive: true, force: true });
  return { process: (p1 - p0) / REQUESTS, main: (m1 - m0) / REQUESTS };
}

if (process.platform !== "linux") {
  console.log("skipped: reads /proc (Linux only)");
  process.exit(0);
}
const runs: Record<"off" | "embedded", { process: number; main: number }[]> = { off: [], embedded: [] };
for (let round = 0; round < ROUNDS; round++) {
  runs.off.push(await measure({ OTEL_SDK_DISABLED: "true" }));
  runs.embedded.push(await measure({}));
}
const median = (k: "off" | "embedded", f: "process" | "main") =>
  percentile(
    runs[k].map((r) => r[f]),
    50,
  );
console.log(
  `model/list, ${REQUESTS} requests with ${IN_FLIGHT} in flight; CPU per request, median of ${ROUNDS} alternated rounds`,
);
for (const k of ["off", "embedded"] as const) {
  console.log(
    `${k.padEnd(9)} process ${fmt(median(k, "process"), 1)} µs  main thread ${fmt(median(k, "main"), 1)} µs`,
  );
}
console.log(
  `ratio embedded/off: process ${fmt(median("embedded", "process") / median("off", "process"), 2)}x, ` +
    `main thread ${fmt(median("embedded", "main") / median("off", "main"), 2)}x ` +
    `(load average ${loadavg()[0]!.toFixed(1)})`,
);
