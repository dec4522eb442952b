// Schema 3 vs schema 2 on the same content: whole-process `spool debug trace-reduce` wall time
// (node dist/cli/main.js, median of 3) on (a) a bundle of the real shape — 80 tool-calling turns,
// two inference calls and one exec tool call per turn, 1–60 KB payloads, every request re-sending
// the history — and (b) a bundle of ≥ 200 MB of schema-2 payload files; and the bundle sizes.
// Target: schema 3 ≥ 0.8× the schema-2 speed. Needs `npm run build`. Data under os.tmpdir(), deleted.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRolloutRecorder } from "../src/rollout-trace/index.js";
import { filler } from "./support/filler.js";

const MB = 1048576;
const CLI = join(import.meta.dirname, "..", "dist", "cli", "main.js");
const THREAD = "01a20752-0000-7000-8000-00000000be3e";

/** One session; the same calls for both schemas (so the content is identical). */
async function record(root: string, schema: 2 | 3, turns: number, outputBytes: number): Promise<string> {
  const rec = startRolloutRecorder({
    root,
    rootThreadId: THREAD,
    durability: "flush",
    signalHooks: false,
    schema,
  });
  const thread = rec.startThread({ threadId: THREAD, agentPath: "/root" });
  const history: unknown[] = [
    {
      type: "message",
      id: "msg_dev",
      role: "developer",
      content: [{ type: "input_text", text: filler(0, 20_000) }],
    },
  ];
  for (let t = 0; t < turns; t++) {
    const turn = thread.startTurn(`turn-${t}`);
    const user = {
      type: "message",
      id: `msg_u${t}`,
      role: "user",
      content: [{ type: "input_text", text: filler(t, 400) }],
    };
    history.push(user);
    turn.historyItemAccepted(`msg_u${t}`);
    rec.protocolEvent("turn_started", { type: "task_started", turn_id: `turn-${t}` });
    const inf = turn.startInference({
      model: "m",
      providerName: "p",
      request: { model: "m", input: [...history] },
    });
    const fc = {
      type: "function_call",
      id: `fc_${t}`,
      name: "exec_command",
      arguments: `{"cmd":"cat f${t}"}`,
      call_id: `call_${t}`,
    };
    inf.completed({
      responseId: `resp_${t}a`,
      upstreamRequestId: `req_${t}a`,
      tokenUsage: null,
      outputItems: [fc],
    });
    history.push(fc);
    turn.historyItemAccepted(`fc_${t}`);
    const tool = turn.startToolCall({
      toolCallId: `call_${t}`,
      modelVisibleCallId: `call_${t}`,
      toolName: "exec_command",
      invocation: { type: "function", arguments: fc.arguments },
    });
    const output = filler(t + 1, outputBytes);
    tool.terminalStarted({ processId: `${1000 + t}`, command: ["/bin/bash", "-lc", `cat f${t}`], cwd: "/w" });
    tool.terminalEnded({
      processId: `${1000 + t}`,
      exitCode: 0,
      aggregatedOutput: output,
      durationMs: 5,
      status: "completed",
    });
    const fco = { type: "function_call_output", id: `fco_${t}`, call_id: `call_${t}`, output };
    tool.ended("completed", { type: "direct_response", response_item: fco });
    history.push(fco);
    turn.historyItemAccepted(`fco_${t}`, fco);
    const inf2 = turn.startInference({
      model: "m",
      providerName: "p",
      request: { model: "m", input: [...history] },
    });
    const answer = {
      type: "message",
      id: `msg_a${t}`,
      role: "assistant",
      content: [{ type: "output_text", text: filler(t + 2, 600) }],
    };
    inf2.completed({
      responseId: `resp_${t}b`,
      upstreamRequestId: `req_${t}b`,
      tokenUsage: null,
      outputItems: [answer],
    });
    history.push(answer);
    turn.historyItemAccepted(`msg_a${t}`);
    turn.ended("completed");
    await rec.flush();
  }
  thread.ended("completed");
  await rec.end("completed");
  return rec.bundleDir!;
}

function bundleBytes(dir: string): number {
  let n = statSync(join(dir, "trace.jsonl")).size + statSync(join(dir, "manifest.json")).size;
  for (const f of readdirSync(join(dir, "payloads"))) n += statSync(join(dir, "payloads", f)).size;
  return n;
}

// The child's own CPU time (user + sys, whole process), written at exit: on a shared 2-core machine
// wall time mostly measures the neighbours, CPU time measures the reducer.
const CPU_HOOK =
  "data:text/javascript," +
  encodeURIComponent(
    'import { writeFileSync } from "node:fs"; process.on("exit", () => { const u = process.cpuUsage(); writeFileSync(process.env.SPOOL_BENCH_CPU, String((u.user + u.system) / 1000)); });',
  );

function reduceMs(dir: string): { wall: number; cpu: number } {
  const walls: number[] = [];
  const cpus: number[] = [];
  const cpuFile = join(dir, "..", "cpu.txt");
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      ["--import", CPU_HOOK, CLI, "debug", "trace-reduce", dir, "-o", join(dir, "..", "state.json")],
      { encoding: "utf8", env: { ...process.env, SPOOL_BENCH_CPU: cpuFile } },
    );
    walls.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`trace-reduce failed: ${r.stderr}`);
    cpus.push(Number(readFileSync(cpuFile, "utf8")));
  }
  const median = (v: number[]): number => v.sort((x, y) => x - y)[1]!;
  return { wall: median(walls), cpu: median(cpus) };
}

// `--keep <dir> [large]`: only write the real-shape (or the large) bundles of both schemas under
// <dir> (for profiling).
if (process.argv[2] === "--keep") {
  const [turns, outputBytes] = process.argv[4] === "large" ? [110, 20_000] : [80, 6_000];
  for (const schema of [2, 3] as const)
    console.log(await record(join(process.argv[3]!, `s${schema}`), schema, turns, outputBytes));
  process.exit(0);
}
if (!existsSync(CLI)) throw new Error("run `npm run build` first");
const root = mkdtempSync(join(tmpdir(), "spool-bench-schema3-"));
try {
  for (const [label, turns, outputBytes] of [
    ["real shape (80 tool-calling turns)", 80, 6_000],
    ["large (≥ 200 MB as schema 2)", 110, 20_000],
  ] as const) {
    const two = await record(join(root, `${turns}-2`), 2, turns, outputBytes);
    const three = await record(join(root, `${turns}-3`), 3, turns, outputBytes);
    const [b2, b3] = [bundleBytes(two), bundleBytes(three)];
    const [t2, t3] = [reduceMs(two), reduceMs(three)];
    console.log(
      `\n${label}: ${readdirSync(join(two, "payloads")).length} payload files vs ${readdirSync(join(three, "payloads")).length} shards`,
    );
    console.log(
      `  bundle size   schema 2 ${(b2 / MB).toFixed(1)} MB   schema 3 ${(b3 / MB).toFixed(2)} MB   (3/2 = ${(b3 / b2).toFixed(3)})`,
    );
    console.log(
      `  trace-reduce  schema 2 ${t2.wall.toFixed(0)} ms wall / ${t2.cpu.toFixed(0)} ms CPU   schema 3 ${t3.wall.toFixed(0)} ms wall / ${t3.cpu.toFixed(0)} ms CPU   (whole process, median of 3)`,
    );
    const ratio = t2.cpu / t3.cpu;
    console.log(
      `  schema-3 speed / schema-2 speed = ${ratio.toFixed(2)}× by CPU, ${(t2.wall / t3.wall).toFixed(2)}× by wall (target ≥ 0.8×: ${ratio >= 0.8 ? "met" : "NOT met"}); ` +
        `schema 3: ${(b2 / MB / (t3.cpu / 1000)).toFixed(0)} MB/s of schema-2-equivalent content per CPU second`,
    );
    rmSync(join(root, `${turns}-2`), { recursive: true, force: true });
    rmSync(join(root, `${turns}-3`), { recursive: true, force: true });
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
