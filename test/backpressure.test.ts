import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WebSocket } from "ws";
import {
  killSpawned,
  openWebSocket,
  spawnSpool,
  spawnWsAppServer,
  wsClient,
} from "./support/spawned-servers.js";
import { initialize } from "../src/app-server/index.js";
import { CLIENT_INFO } from "./support/app-server-harness.js";

after(killSpawned);

const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  SPOOL_HOME: mkdtempSync(join(tmpdir(), "spool-backpressure-home-")),
  OTEL_TRACES_EXPORTER: "none",
});

const INIT = JSON.stringify({
  id: 0,
  method: "initialize",
  params: { clientInfo: { name: "t", version: "1" } },
});
const FLOOD = 40_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]) * 1024;
}

/** Samples a process's RSS every 50 ms until stopped; resolves with the peak. */
function watchRss(pid: number): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // exited
    }
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/**
 * Sends `n` model/list requests over a reading client and waits for every answer: heap and
 * buffers sized for load, so what the flood adds afterwards is its own.
 */
async function warmUp(url: string, n: number): Promise<void> {
  const ws = await openWebSocket(url);
  let got = 0;
  const done = new Promise<void>((resolve) => ws.on("message", () => ++got === n + 1 && resolve()));
  ws.send(INIT);
  for (let i = 1; i <= n; i++) ws.send(`{"id":${i},"method":"model/list"}`);
  await done;
  ws.close();
}

/** A raw client that initializes, then stops reading and sends `n` model/list requests. */
async function neverReader(url: string, n: number): Promise<WebSocket> {
  const ws = await openWebSocket(url);
  const ready = new Promise((resolve) => ws.once("message", resolve));
  ws.send(INIT);
  await ready;
  ws.pause();
  for (let i = 1; i <= n; i++) ws.send(`{"id":${i},"method":"model/list"}`);
  return ws;
}

test("websocket: a never-reader is paused and closed (logged) with memory flat; a slow reader gets every answer; a normal client keeps its latency", async () => {
  const s = await spawnWsAppServer(env(), "ws://127.0.0.1:0", [
    "--max-outbound-bytes",
    "262144",
    "--outbound-stall-ms",
    "2000",
  ]);
  const pid = s.child.pid!;
  const normal = await wsClient(s.url);
  try {
    await normal.call(initialize, CLIENT_INFO);
    const latencies = async (count: number): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await normal.request("model/list", {});
        times.push(performance.now() - t0);
      }
      return times.sort((a, b) => a - b)[Math.floor(count / 2)]!;
    };
    await warmUp(s.url, 5000);
    await latencies(20);
    const idleRss = rssBytes(pid);

    const rss = watchRss(pid);
    const never = await neverReader(s.url, FLOOD);
    // The slow reader reads for 20 ms every 150 ms: it stalls the gate over and over, never for long.
    const slow = await openWebSocket(s.url);
    const slowAnswers = new Set<number>();
    slow.on("message", (d: Buffer) => {
      const id = (JSON.parse(d.toString()) as { id: number }).id;
      if (id > 0) slowAnswers.add(id);
    });
    slow.send(INIT);
    for (let i = 1; i <= 3000; i++) slow.send(`{"id":${i},"method":"model/list"}`);
    const throttle = setInterval(() => {
      slow.pause();
      setTimeout(() => slow.resume(), 130);
    }, 150);

    await sleep(500);
    const busyP50 = await latencies(30);
    await sleep(2500);
    const peak = rss.stop();
    clearInterval(throttle);
    slow.resume();
    const deadline = Date.now() + 20_000;
    while (slowAnswers.size < 3000 && Date.now() < deadline) await sleep(50);

    assert.equal(slowAnswers.size, 3000, "the slow reader got an answer to every request");
    assert.ok(busyP50 < 100, `normal client p50 ${busyP50.toFixed(1)} ms beside a never-reader`);
    const grew = (peak - idleRss) / 1048576;
    assert.ok(grew < 30, `RSS grew ${grew.toFixed(1)} MB while a never-reader was sent ${FLOOD} requests`);
    assert.match(
      s.stderr(),
      /closing connection: the client stopped reading its answers.*connection_id/s,
      "the close is logged with its connection",
    );
    // Still serving the others.
    assert.ok(await normal.request("model/list", {}));
    never.terminate();
    slow.terminate();
  } finally {
    normal.close();
    s.child.kill("SIGTERM");
    await s.exit;
  }
});

const STALL_MS = 3000;

test("stdio: a client that stops reading stops being read, memory stays flat, and past the stall it is closed", async () => {
  const s = spawnSpool(
    ["app-server", "--max-outbound-bytes", "262144", "--outbound-stall-ms", String(STALL_MS)],
    env(),
  );
  s.child.stdin.on("error", () => {});
  // Warm up as a reading client, then stop reading.
  let answered = 0;
  // A stall longer than a loaded machine may starve this test process for, so the warm-up
  // (a reading client) is never taken for a stalled one; an early exit says so instead of hanging.
  const warm = new Promise<void>((resolve, reject) => {
    void s.exit.then((e) => reject(new Error(`exited during warm-up (${e.code}): ${s.stderr()}`)));
    const onData = (d: Buffer) => {
      for (const byte of d) if (byte === 0x0a) answered++;
      if (answered === 5001) {
        s.child.stdout.off("data", onData);
        s.child.stdout.pause();
        resolve();
      }
    };
    s.child.stdout.on("data", onData);
  });
  s.child.stdin.write(`${INIT}\n`);
  for (let i = 1; i <= 5000; i++) s.child.stdin.write(`{"id":${i},"method":"model/list"}\n`);
  await warm;
  await sleep(300);
  const idleRss = rssBytes(s.child.pid!);
  const rss = watchRss(s.child.pid!);
  const t0 = Date.now();
  for (let i = 1; i <= FLOOD; i++) s.child.stdin.write(`{"id":${i},"method":"model/list"}\n`);
  const exit = await s.exit;
  const peak = rss.stop();
  const grew = (peak - idleRss) / 1048576;
  assert.ok(grew < 30, `RSS grew ${grew.toFixed(1)} MB`);
  assert.ok(Date.now() - t0 >= STALL_MS, "closed at the stall deadline, not before");
  assert.equal(exit.code, 0);
  assert.match(s.stderr(), /closing connection: the client stopped reading its answers/);
});

test("stdio: a reading client that keeps tripping a small outbound bound gets every answer and the server stays up", async () => {
  // The gate pauses stdin while it is over its bound; a client that drains the pipe between two
  // polls once left the process with nothing keeping it alive (exit 13 mid-session).
  const s = spawnSpool(["app-server", "--max-outbound-bytes", "2048"], env());
  s.child.stdin.on("error", () => {});
  const total = 20_000;
  let answered = 0;
  const all = new Promise<void>((resolve, reject) => {
    void s.exit.then((e) => reject(new Error(`exited after ${answered} answers (${e.code}): ${s.stderr()}`)));
    s.child.stdout.on("data", (d: Buffer) => {
      for (const byte of d) if (byte === 0x0a) answered++;
      if (answered === total + 1) resolve();
    });
  });
  s.child.stdin.write(`${INIT}\n`);
  // Sent in small batches, so the gate opens and closes many times over the session.
  for (let i = 1; i <= total; i += 200) {
    for (let k = i; k < i + 200; k++) s.child.stdin.write(`{"id":${k},"method":"model/list"}\n`);
    await sleep(5);
  }
  await all;
  assert.equal(answered, total + 1);
  s.child.stdin.end();
  assert.equal((await s.exit).code, 0, "stdin EOF is still the one way it exits");
});
