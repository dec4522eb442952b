// The server's cost of a tool turn over stdio to a spawned `spool app-server`, against the
// scripted model in this process. Each tool turn's model calls `exec_command` twice in parallel
// with `true`, then answers; text turns on the same server are the in-run baseline.
//  - server overhead per tool turn: turn/start → turn/completed minus the model's own time for
//    both requests and minus the commands' own time (the longer of the two processes, start to
//    exit, from the exec-server's `codex.exec_server_process` events), p50/p99 over BENCH_TURNS;
//  - the same for a text turn (one model request, no tools), the baseline;
//  - the app-server's CPU time per tool turn and per text turn (from /proc, robust to load);
//  - tool dispatch overhead: `dispatch_duration_ms` of the `codex.tool_call` events (whole ms,
//    as Codex logs it);
//  - both with the in-process exec-server and with a separate `spool exec-server` over WebSocket.
// Policies are explicit (never / danger-full-access): no approval round trips are measured.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startScriptedModelServer, type ModelScriptInput } from "../src/model-server/index.js";
import { RpcConnection, StreamTransport } from "../src/rpc/index.js";
import { cpuMs, requireBuild, SPOOL_MAIN } from "./support/process-timing.js";
import { fmt, percentile } from "./support/stats.js";
import { TurnCompletions, scriptedProviderArgs, timedTurn } from "./support/app-server.js";

requireBuild();
const TURNS = Number(process.env.BENCH_TURNS ?? 200);
const WARM = 20;
const TIMING_LOG = "warn,spool_core::tools::parallel=info,spool_exec_server::telemetry=info";

type Fields = Record<string, unknown>;

/** JSON log lines' fields, as they arrive on a child's stderr. */
function collectEvents(stream: NodeJS.ReadableStream, into: Fields[]): void {
  createInterface({ input: stream }).on("line", (line) => {
    if (!line.startsWith("{")) return void process.stderr.write(line + "\n");
    into.push((JSON.parse(line) as { fields: Fields }).fields);
  });
}

function script(turns: number): ModelScriptInput {
  const responses: ModelScriptInput["responses"] = [];
  for (let i = 0; i < turns; i++) responses.push({ output: [{ type: "message", text: "A short answer." }] });
  for (let i = 0; i < turns; i++) {
    responses.push({
      output: ["a", "b"].map((c) => ({
        type: "function_call" as const,
        name: "exec_command",
        call_id: `call_${i}_${c}`,
        arguments: { cmd: "true" },
      })),
    });
    responses.push({ output: [{ type: "message", text: "Both ran." }] });
  }
  return { responses };
}

async function startExecServer(events: Fields[], home: string) {
  const child = spawn(process.execPath, [SPOOL_MAIN, "exec-server", "--listen", "ws://127.0.0.1:0"], {
    env: { ...process.env, SPOOL_HOME: home, SPOOL_LOG: TIMING_LOG, LOG_FORMAT: "json" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  collectEvents(child.stderr, events);
  const url = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout }).once("line", resolve),
  );
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return { url, stop: () => (child.kill("SIGTERM"), exited) };
}

async function measure(label: string, remote: boolean): Promise<void> {
  const n = TURNS + WARM;
  const model = await startScriptedModelServer({ script: script(n) });
  const home = mkdtempSync(join(tmpdir(), "spool-bench-tools-"));
  const events: Fields[] = [];
  const exec = remote ? await startExecServer(events, home) : undefined;
  const child = spawn(process.execPath, [SPOOL_MAIN, "app-server", ...scriptedProviderArgs(model.url)], {
    env: {
      ...process.env,
      SPOOL_HOME: home,
      SPOOL_LOG: TIMING_LOG,
      LOG_FORMAT: "json",
      ...(exec ? { SPOOL_EXEC_SERVER_URL: exec.url } : {}),
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  collectEvents(child.stderr, events);
  const turns = new TurnCompletions();
  const rpc = new RpcConnection(new StreamTransport(child.stdout, child.stdin, { kind: "stdio" }), {
    handler: {
      handleRequest: () => ({}),
      handleNotification: (m, p) => {
        if (m === "turn/completed") turns.completed((p as { turn: { id: string } }).turn.id);
      },
    },
  }).start();
  await rpc.request("initialize", { clientInfo: { name: "bench", version: "1" } });
  rpc.notify("initialized");
  const base: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await rpc.request("model/list", {});
    base.push(performance.now() - t);
  }
  // Turns spread over 20 threads per kind, so no history grows long (as in core-threads.ts).
  const threads = async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { thread } = await rpc.request<{ thread: { id: string } }>("thread/start", {
        approvalPolicy: "never",
        sandbox: "danger-full-access",
      });
      ids.push(thread.id);
    }
    return ids;
  };

  /** One turn: its wall time and the model's own time for its requests. */
  const turn = async (threadIds: string[], i: number, traceId: string) => {
    const before = model.requests.length;
    const wall = await timedTurn(
      rpc,
      turns,
      { threadId: threadIds[i % threadIds.length]!, input: [{ type: "text", text: `question ${i}` }] },
      // A trace per turn: the exec-server's process events name it, tying them to this turn.
      { traceparent: `00-${traceId}-${"1".repeat(16)}-01` },
    );
    const modelMs = model.requests.slice(before).reduce((sum, r) => sum + (r.duration_ms ?? 0), 0);
    return { wall, modelMs };
  };

  const textThreads = await threads();
  const toolThreads = await threads();
  const textOverhead: number[] = [];
  let cpu0 = 0;
  for (let i = 0; i < n; i++) {
    if (i === WARM) cpu0 = cpuMs(child.pid!);
    const r = await turn(textThreads, i, i.toString(16).padStart(32, "a"));
    if (i >= WARM) textOverhead.push(r.wall - r.modelMs);
  }
  const textCpu = (cpuMs(child.pid!) - cpu0) / TURNS;
  const toolTurns: { traceId: string; wall: number; modelMs: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (i === WARM) cpu0 = cpuMs(child.pid!);
    const traceId = i.toString(16).padStart(32, "b");
    const r = await turn(toolThreads, i, traceId);
    if (i >= WARM) toolTurns.push({ traceId, ...r });
  }
  const toolCpu = (cpuMs(child.pid!) - cpu0) / TURNS;
  child.stdin.end();
  await new Promise((r) => child.once("exit", r));
  await exec?.stop();
  await model.close();
  rmSync(home, { recursive: true, force: true });

  const processMs = new Map<string, number>();
  for (const e of events.filter((x) => x["event.name"] === "codex.exec_server_process")) {
    const id = String(e.trace_id);
    processMs.set(id, Math.max(processMs.get(id) ?? 0, Number(e.duration_seconds) * 1000));
  }
  const missing = toolTurns.filter((t) => !processMs.has(t.traceId)).length;
  if (missing > 0) throw new Error(`${missing} tool turns without codex.exec_server_process events`);
  const toolOverhead = toolTurns.map((t) => t.wall - t.modelMs - processMs.get(t.traceId)!);
  const commandMs = toolTurns.map((t) => processMs.get(t.traceId)!);
  const wall = toolTurns.map((t) => t.wall);
  const toolCalls = events.filter((e) => e["event.name"] === "codex.tool_call").slice(2 * WARM);
  const dispatch = toolCalls.map((e) => Number(e.dispatch_duration_ms));
  // Where the overhead is: inside the tool calls (longest call's total minus its turn's longest
  // process) or outside them (turn machinery, two model round trips, notifications).
  const callMs = new Map<string, number>();
  for (const e of toolCalls) {
    const id = String(e.trace_id);
    callMs.set(id, Math.max(callMs.get(id) ?? 0, Number(e.total_duration_ms)));
  }
  const inside = toolTurns.map((t) => (callMs.get(t.traceId) ?? NaN) - processMs.get(t.traceId)!);

  const b50 = percentile(base, 50);
  const t50 = percentile(textOverhead, 50);
  const o50 = percentile(toolOverhead, 50);
  console.log(`${label}:`);
  console.log(`  model/list baseline p50 ${fmt(b50)} ms`);
  console.log(
    `  text turn (${TURNS}): server overhead p50 ${fmt(t50)} ms p99 ${fmt(percentile(textOverhead, 99))} ms (the baseline turn)`,
  );
  console.log(
    `  tool turn, 2 parallel \`true\` (${TURNS}): turn/start→turn/completed p50 ${fmt(percentile(wall, 50))} ms; commands' own time p50 ${fmt(percentile(commandMs, 50))} ms`,
  );
  console.log(
    `  tool turn server overhead (minus model and commands) p50 ${fmt(o50)} ms p99 ${fmt(percentile(toolOverhead, 99))} ms; ${fmt(o50 / t50, 2)}x a text turn, ${fmt(o50 / b50, 1)}x a model/list (target p50 ≤ 8 ms)`,
  );
  console.log(
    `  of which inside the tool calls (longest total_duration_ms minus the longest process, whole ms) p50 ${fmt(percentile(inside, 50), 1)} ms p99 ${fmt(percentile(inside, 99), 1)} ms`,
  );
  console.log(
    `  app-server CPU per turn (its own, not the commands'): tool turn ${fmt(toolCpu, 2)} ms, text turn ${fmt(textCpu, 2)} ms (${fmt(toolCpu / textCpu, 2)}x); robust to a loaded machine, unlike the wall-clock figures`,
  );
  console.log(
    `  dispatch_duration_ms (${dispatch.length} calls, whole ms): p50 ${percentile(dispatch, 50)} p99 ${percentile(dispatch, 99)} max ${Math.max(...dispatch)}; ${dispatch.filter((d) => d === 0).length} of ${dispatch.length} under 1 ms (target p50 ≤ 0.5 ms)`,
  );
}

await measure("in-process exec-server (the default)", false);
await measure("separate `spool exec-server` over WebSocket", true);
