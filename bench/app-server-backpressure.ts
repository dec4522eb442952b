// Per-connection backpressure of `spool app-server --listen ws://`, in one run:
// 1. RSS while a client that never reads is sent 100,000 model/list requests, with the default
//    4 MiB outbound bound vs `--max-outbound-bytes 0` (unbounded, the behaviour before the bound).
//    Idle is the RSS after a reading client's warm-up; the peak is sampled every 50 ms for 5 s.
// 2. model/list p50 for a normal client alone vs beside a connected, flooding never-reader.
// Targets: capped peak within 20 MB of idle; p50 with the never-reader <= 1.2x without.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { WebSocket } from "ws";
import { RpcConnection, WebSocketTransport } from "../src/rpc/index.js";
import { fmt, percentile } from "./support/stats.js";

const MAIN = new URL("../dist/cli/main.js", import.meta.url).pathname;
const FLOOD = Number(process.env.BENCH_FLOOD ?? 100_000);
const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const INIT = JSON.stringify({
  id: 0,
  method: "initialize",
  params: { clientInfo: { name: "b", version: "1" } },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServer(extra: string[]): Promise<{ child: ChildProcess; url: string; home: string }> {
  const home = mkdtempSync(join(tmpdir(), "spool-bench-bp-"));
  const child = spawn(
    process.execPath,
    [MAIN, "app-server", "--listen", "ws://127.0.0.1:0", "--outbound-stall-ms", "600000", ...extra],
    {
      env: { ...process.env, SPOOL_HOME: home, OTEL_TRACES_EXPORTER: "none" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once("line", resolve),
  );
  return { child, url: /ws:\/\/\S+/.exec(line)![0], home };
}

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  return ws;
}

const rssMb = (pid: number): number =>
  Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

/** A reading client sends `n` requests and waits for every answer. */
async function warmUp(url: string, n: number): Promise<void> {
  const ws = await open(url);
  let got = 0;
  const done = new Promise<void>((resolve) => ws.on("message", () => ++got === n + 1 && resolve()));
  ws.send(INIT);
  for (let i = 1; i <= n; i++) ws.send(`{"id":${i},"method":"model/list"}`);
  await done;
  ws.close();
}

async function neverReader(url: string, n: number): Promise<WebSocket> {
  const ws = await open(url);
  const ready = new Promise((resolve) => ws.once("message", resolve));
  ws.send(INIT);
  await ready;
  ws.pause();
  for (let i = 1; i <= n; i++) ws.send(`{"id":${i},"method":"model/list"}`);
  return ws;
}

async function p50(url: string): Promise<number> {
  const conn = new RpcConnection(new WebSocketTransport(await open(url))).start();
  await conn.request("initialize", { clientInfo: { name: "n", version: "1" } });
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await conn.request("model/list", {});
    times.push(performance.now() - t0);
  }
  conn.close();
  return percentile(times, 50);
}

async function rssRun(extra: string[]): Promise<{ idle: number; peak: number }> {
  const s = await startServer(extra);
  try {
    await warmUp(s.url, 10_000);
    await sleep(500);
    const pid = s.child.pid!;
    const idle = rssMb(pid);
    let peak = idle;
    const ws = await neverReader(s.url, FLOOD);
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      await sleep(50);
      peak = Math.max(peak, rssMb(pid));
    }
    ws.terminate();
    return { idle, peak };
  } finally {
    s.child.kill("SIGKILL");
    rmSync(s.home, { recursive: true, force: true });
  }
}

async function latencyRun(): Promise<{ alone: number; beside: number }> {
  const s = await startServer([]);
  try {
    await warmUp(s.url, 5000);
    const alone = await p50(s.url);
    const ws = await neverReader(s.url, FLOOD);
    await sleep(500);
    const beside = await p50(s.url);
    ws.terminate();
    return { alone, beside };
  } finally {
    s.child.kill("SIGKILL");
    rmSync(s.home, { recursive: true, force: true });
  }
}

const capped = await rssRun([]);
const uncapped = await rssRun(["--max-outbound-bytes", "0"]);
const grew = (r: { idle: number; peak: number }) => r.peak - r.idle;
console.log(`never-reader sent ${FLOOD} model/list requests; RSS idle -> peak (MB):`);
console.log(
  `  bounded (4 MiB)   ${fmt(capped.idle, 1)} -> ${fmt(capped.peak, 1)}  (+${fmt(grew(capped), 1)})`,
);
console.log(
  `  unbounded         ${fmt(uncapped.idle, 1)} -> ${fmt(uncapped.peak, 1)}  (+${fmt(grew(uncapped), 1)})`,
);
console.log(
  `  growth bounded/unbounded: ${fmt(grew(capped) / grew(uncapped), 3)}x  (target: bounded within 20 MB: ${grew(capped) <= 20 ? "met" : "MISSED"})`,
);
const lat = await latencyRun();
console.log(`normal client model/list p50 over ${CALLS} calls (ms):`);
console.log(`  alone ${fmt(lat.alone)}, beside a never-reader ${fmt(lat.beside)}`);
console.log(
  `  ratio ${fmt(lat.beside / lat.alone, 3)}x  (target <= 1.2x: ${lat.beside / lat.alone <= 1.2 ? "met" : "MISSED"})`,
);
