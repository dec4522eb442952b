// Core's costs over stdio to a spawned `spool app-server`, against the scripted model in this
// process, with model/list round trips (no core work) as the in-run baseline:
//  - server overhead per text turn: turn/start → turn/completed minus the scripted model's own
//    time for that request, p50/p99 over BENCH_TURNS turns (20 threads, turns spread over them);
//  - thread/start p50; thread/list p50 with BENCH_THREADS (10,000) threads on disk;
//  - idle RSS, and RSS with 1,000 loaded idle threads.
// Logging is SPOOL_LOG=warn (the default `info` prints every session event to stderr).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { v7 as uuidv7 } from "uuid";
import { startScriptedModelServer } from "../src/model-server/index.js";
import { RpcConnection, StreamTransport } from "../src/rpc/index.js";
import { cpuMs } from "./support/process-timing.js";
import { fmt, percentile } from "./support/stats.js";
import { TurnCompletions, scriptedProviderArgs, timedTurn } from "./support/app-server.js";

const MAIN = new URL("../dist/cli/main.js", import.meta.url).pathname;
const TURNS = Number(process.env.BENCH_TURNS ?? 200);
const STARTS = Number(process.env.BENCH_STARTS ?? 200);
const LISTS = Number(process.env.BENCH_LISTS ?? 200);
const ON_DISK = Number(process.env.BENCH_THREADS ?? 10_000);
const LOADED = Number(process.env.BENCH_LOADED ?? 1000);

const model = await startScriptedModelServer({
  script: {
    on_exhausted: "repeat_last",
    responses: [{ output: [{ type: "message", text: "A short answer." }] }],
  },
});

interface Server {
  rpc: RpcConnection;
  pid: number;
  onNotification(fn: (method: string, params: Record<string, unknown>) => void): void;
  stop(): Promise<void>;
}

function startServer(home: string): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
      ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(" ") : []),
      MAIN,
      "app-server",
      ...scriptedProviderArgs(model.url),
    ],
    { env: { ...process.env, SPOOL_HOME: home, SPOOL_LOG: "warn" }, stdio: ["pipe", "pipe", "inherit"] },
  );
  const listeners: ((m: string, p: Record<string, unknown>) => void)[] = [];
  const rpc = new RpcConnection(new StreamTransport(child.stdout, child.stdin, { kind: "stdio" }), {
    handler: {
      handleRequest: () => ({}),
      handleNotification: (m, p) => {
        for (const l of listeners) l(m, p as Record<string, unknown>);
      },
    },
  }).start();
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return (async () => {
    await rpc.request("initialize", { clientInfo: { name: "bench", version: "1" } });
    rpc.notify("initialized");
    return {
      rpc,
      pid: child.pid!,
      onNotification: (fn) => listeners.push(fn),
      stop: async () => {
        child.stdin.end();
        await exited;
      },
    };
  })();
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function baseline(s: Server, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await timed(() => s.rpc.request("model/list", {})));
  return out;
}

// --- turns and thread/start -------------------------------------------------------------
{
  const home = mkdtempSync(join(tmpdir(), "spool-bench-core-"));
  const s = await startServer(home);
  const turns = new TurnCompletions();
  s.onNotification((m, p) => {
    if (m === "turn/completed") turns.completed((p.turn as { id: string }).id);
  });
  const base = await baseline(s, 200);
  const starts: number[] = [];
  const threads: string[] = [];
  for (let i = 0; i < STARTS; i++) {
    let id = "";
    starts.push(
      await timed(async () => {
        id = (await s.rpc.request<{ thread: { id: string } }>("thread/start", {})).thread.id;
      }),
    );
    threads.push(id);
  }
  const overhead: number[] = [];
  const e2e: number[] = [];
  const warm = 20;
  let cpuStart = 0;
  for (let i = 0; i < TURNS + warm; i++) {
    if (i === warm) cpuStart = cpuMs(s.pid);
    const threadId = threads[i % 20]!;
    const before = model.requests.length;
    const total = await timedTurn(s.rpc, turns, {
      threadId,
      input: [{ type: "text", text: `question ${i}` }],
    });
    const entry = model.requests[before]!;
    if (i < warm) continue;
    e2e.push(total);
    overhead.push(total - (entry.duration_ms ?? 0));
  }
  const cpuPerTurn = (cpuMs(s.pid) - cpuStart) / TURNS;
  const cpuBase = cpuMs(s.pid);
  await baseline(s, 2000);
  const cpuPerList = (cpuMs(s.pid) - cpuBase) / 2000;
  const b50 = percentile(base, 50);
  console.log(`model/list baseline: p50 ${fmt(b50)} ms, server CPU ${fmt(cpuPerList)} ms per request`);
  console.log(
    `server CPU per text turn: ${fmt(cpuPerTurn)} ms (${fmt(cpuPerTurn / cpuPerList, 1)}x a model/list); robust to a loaded machine, unlike the wall-clock figures`,
  );
  console.log(
    `thread/start (${STARTS}): p50 ${fmt(percentile(starts, 50))} ms p99 ${fmt(percentile(starts, 99))} ms; ${fmt(percentile(starts, 50) / b50, 2)}x baseline (target p50 ≤ 4 ms)`,
  );
  console.log(
    `text turn (${TURNS}, 20 threads): turn/start→turn/completed p50 ${fmt(percentile(e2e, 50))} ms; server overhead (minus the model's own time) p50 ${fmt(percentile(overhead, 50))} ms p99 ${fmt(percentile(overhead, 99))} ms; ${fmt(percentile(overhead, 50) / b50, 2)}x baseline (target p50 ≤ 5 ms)`,
  );
  await s.stop();
  rmSync(home, { recursive: true, force: true });
}

// --- thread/list with many threads on disk ----------------------------------------------
{
  const home = mkdtempSync(join(tmpdir(), "spool-bench-list-"));
  const t0 = performance.now();
  const base = Date.now() - ON_DISK * 1000;
  for (let i = 0; i < ON_DISK; i++) {
    const id = uuidv7();
    const ms = base + i * 1000;
    const d = new Date(ms);
    const p2 = (n: number) => String(n).padStart(2, "0");
    const file = join(
      home,
      "sessions",
      String(d.getFullYear()),
      p2(d.getMonth() + 1),
      p2(d.getDate()),
      `rollout-${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}-${p2(d.getMinutes())}-${p2(d.getSeconds())}-${id}.jsonl`,
    );
    mkdirSync(dirname(file), { recursive: true });
    const ts = new Date(ms).toISOString();
    const settings = {
      model: "scripted",
      modelProvider: "mock",
      cwd: i % 2 ? "/tmp/a" : "/tmp/b",
      approvalPolicy: "on-request",
      approvalsReviewer: "user",
      sandbox: { type: "readOnly" },
      reasoningEffort: null,
      reasoningSummary: "auto",
      baseInstructions: null,
      developerInstructions: null,
      serviceTier: null,
    };
    const turn = uuidv7();
    const lines = [
      {
        type: "session_meta",
        payload: {
          id,
          timestamp: ts,
          created_at: Math.floor(ms / 1000),
          cwd: settings.cwd,
          originator: "bench",
          cli_version: "0.1.0",
          source: "vscode",
          model_provider: "mock",
          forked_from_id: null,
          service_name: null,
          thread_source: null,
          name: null,
          spool_settings: settings,
        },
      },
      {
        type: "event_msg",
        payload: { type: "task_started", turn_id: turn, started_at: Math.floor(ms / 1000) },
      },
      {
        type: "response_item",
        payload: {
          type: "message",
          id: `msg_${turn}`,
          role: "user",
          content: [{ type: "input_text", text: `thread ${i}` }],
        },
      },
      {
        type: "event_msg",
        payload: {
          type: "item_completed",
          turn_id: turn,
          item: {
            type: "userMessage",
            id: `msg_${turn}`,
            content: [{ type: "text", text: `thread ${i}`, text_elements: [] }],
          },
        },
      },
      {
        type: "event_msg",
        payload: {
          type: "task_complete",
          turn_id: turn,
          status: "completed",
          error: null,
          completed_at: Math.floor(ms / 1000),
          duration_ms: 10,
        },
      },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify({ timestamp: ts, ...l })).join("\n") + "\n");
  }
  console.log(`wrote ${ON_DISK} history files in ${fmt(performance.now() - t0, 0)} ms`);
  const t1 = performance.now();
  const s = await startServer(home);
  console.log(
    `first start (index built from ${ON_DISK} files): ${fmt(performance.now() - t1, 0)} ms to initialize`,
  );
  await s.stop();
  const t2 = performance.now();
  const s2 = await startServer(home);
  console.log(`second start (index fresh): ${fmt(performance.now() - t2, 0)} ms to initialize`);
  const base2 = await baseline(s2, 200);
  const lists: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < LISTS; i++) {
    lists.push(
      await timed(async () => {
        const r = await s2.rpc.request<{ nextCursor: string | null }>(
          "thread/list",
          cursor ? { cursor } : {},
        );
        cursor = i % 10 === 9 ? null : r.nextCursor;
      }),
    );
  }
  const filtered: number[] = [];
  for (let i = 0; i < LISTS; i++)
    filtered.push(
      await timed(() => s2.rpc.request("thread/list", { cwd: "/tmp/a", searchTerm: "thread 9" })),
    );
  const b50 = percentile(base2, 50);
  console.log(
    `thread/list (${ON_DISK} threads on disk, pages of 25): p50 ${fmt(percentile(lists, 50))} ms p99 ${fmt(percentile(lists, 99))} ms; ${fmt(percentile(lists, 50) / b50, 2)}x baseline (target p50 ≤ 5 ms)`,
  );
  console.log(
    `thread/list with cwd + searchTerm filters: p50 ${fmt(percentile(filtered, 50))} ms p99 ${fmt(percentile(filtered, 99))} ms`,
  );
  await s2.stop();
  rmSync(home, { recursive: true, force: true });
}

// --- memory ------------------------------------------------------------------------------
{
  const home = mkdtempSync(join(tmpdir(), "spool-bench-rss-"));
  const s = await startServer(home);
  await baseline(s, 50);
  await new Promise((r) => setTimeout(r, 500));
  const idle = rssMb(s.pid);
  for (let i = 0; i < LOADED; i++) await s.rpc.request("thread/start", {});
  await new Promise((r) => setTimeout(r, 500));
  const loaded = rssMb(s.pid);
  console.log(
    `RSS: idle ${fmt(idle, 1)} MB; with ${LOADED} loaded idle threads ${fmt(loaded, 1)} MB (+${fmt(loaded - idle, 1)} MB, ${fmt(loaded / idle, 2)}x idle; target ≤ +100 MB)`,
  );
  await s.stop();
  rmSync(home, { recursive: true, force: true });
}

await model.close();
