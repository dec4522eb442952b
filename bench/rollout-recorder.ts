// Recorder hot-path cost per event (p50/p99) with a writer on a real file vs. recording disabled,
// for schema 2 (payload files) and schema 3 (zstd shards: serialization and compression run in the
// writer's background drain, so the caller's path should cost the same). Target: p99 < 20 µs
// enabled in both. Also prints each run's wall time (drain included) and bundle size.
// Data goes under os.tmpdir() and is deleted at the end.
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRolloutRecorder, type RolloutRecorder } from "../src/rollout-trace/index.js";

const ROUNDS = 200;
const PER_ROUND = 50;
const THREAD = "01a20752-0000-7000-8000-00000000be0c";

const request = {
  model: "gpt-bench",
  input: Array.from({ length: 20 }, (_, i) => ({
    type: "message",
    id: `msg_${i}`,
    role: i % 2 ? "assistant" : "user",
    content: [{ type: "input_text", text: "lorem ipsum ".repeat(200) }],
  })),
};
const output = [
  { type: "message", id: "msg_out", role: "assistant", content: [{ type: "output_text", text: "ok" }] },
];

type Kind = "history_item_accepted" | "inference_started" | "inference_completed" | "tool_call_started";

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function measure(rec: RolloutRecorder): Promise<Map<Kind, Float64Array>> {
  const samples = new Map<Kind, number[]>();
  const add = (k: Kind, t0: bigint): void => {
    const dt = Number(process.hrtime.bigint() - t0) / 1000;
    let list = samples.get(k);
    if (!list) samples.set(k, (list = []));
    list.push(dt);
  };
  const thread = rec.startThread({ threadId: THREAD, agentPath: "/root" });
  for (let round = 0; round < ROUNDS; round++) {
    const turn = thread.startTurn(`turn-${round}`);
    for (let i = 0; i < PER_ROUND; i++) {
      let t0 = process.hrtime.bigint();
      turn.historyItemAccepted(`msg_${round}_${i}`);
      add("history_item_accepted", t0);

      t0 = process.hrtime.bigint();
      const inf = turn.startInference({ model: "gpt-bench", providerName: "bench", request });
      add("inference_started", t0);

      t0 = process.hrtime.bigint();
      inf.completed({
        responseId: `resp_${i}`,
        upstreamRequestId: `req_${i}`,
        tokenUsage: null,
        outputItems: output,
      });
      add("inference_completed", t0);

      t0 = process.hrtime.bigint();
      turn.startToolCall({
        toolCallId: `call_${round}_${i}`,
        modelVisibleCallId: `call_${round}_${i}`,
        toolName: "exec_command",
        invocation: { type: "function", arguments: '{"cmd":"echo hi","yield_time_ms":1000}' },
      });
      add("tool_call_started", t0);
    }
    turn.ended("completed");
    // Let the background drain run between rounds, as a real session's I/O waits would.
    await rec.flush();
  }
  thread.ended("completed");
  await rec.end("completed");
  const out = new Map<Kind, Float64Array>();
  for (const [k, v] of samples) out.set(k, Float64Array.from(v).sort());
  return out;
}

const root = mkdtempSync(join(tmpdir(), "spool-bench-recorder-"));
try {
  // Warm up both paths so JIT tiers are comparable.
  await measure(startRolloutRecorder({ root: undefined, rootThreadId: THREAD }));
  await measure(
    startRolloutRecorder({ root: join(root, "warmup"), rootThreadId: THREAD, signalHooks: false }),
  );

  const disabled = await measure(startRolloutRecorder({ root: undefined, rootThreadId: THREAD }));
  console.log(
    `events per kind: ${ROUNDS * PER_ROUND}; writer: real files under ${tmpdir()} (fsync durability)`,
  );
  const walls: number[] = [];
  for (const schema of [2, 3] as const) {
    await measure(
      startRolloutRecorder({
        root: join(root, `warm-${schema}`),
        rootThreadId: THREAD,
        signalHooks: false,
        schema,
      }),
    );
    const rec = startRolloutRecorder({
      root: join(root, `run-${schema}`),
      rootThreadId: THREAD,
      signalHooks: false,
      schema,
    });
    const t0 = performance.now();
    const enabled = await measure(rec);
    const wall = performance.now() - t0;
    walls.push(wall);
    const dir = rec.bundleDir!;
    const payloadBytes = readdirSync(join(dir, "payloads")).reduce(
      (n, f) => n + statSync(join(dir, "payloads", f)).size,
      0,
    );
    const traceBytes = statSync(join(dir, "trace.jsonl")).size;
    console.log(`\nschema ${schema}: kind                     disabled p50/p99 (µs)   enabled p50/p99 (µs)`);
    let worstP99 = 0;
    for (const [kind, e] of enabled) {
      const d = disabled.get(kind)!;
      const p99 = quantile(e, 0.99);
      worstP99 = Math.max(worstP99, p99);
      console.log(
        `          ${kind.padEnd(24)} ${quantile(d, 0.5).toFixed(3).padStart(7)} / ${quantile(d, 0.99).toFixed(3).padStart(7)}     ${quantile(e, 0.5).toFixed(2).padStart(7)} / ${p99.toFixed(2).padStart(7)}`,
      );
    }
    console.log(
      `schema ${schema}: worst enabled p99 ${worstP99.toFixed(2)} µs (target < 20 µs: ${worstP99 < 20 ? "met" : "NOT met"}); ` +
        `${(wall / 1000).toFixed(1)} s wall with the drain; trace.jsonl ${(traceBytes / 1048576).toFixed(1)} MB + payloads ${(payloadBytes / 1048576).toFixed(1)} MB`,
    );
  }
  console.log(`wall (drain included) schema 3 / schema 2: ${(walls[1]! / walls[0]!).toFixed(2)}×`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
