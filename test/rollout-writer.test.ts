// Writer and recorder: real files, then read back through the reducer.
import { after, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configureLogging, type LogRecord } from "../src/telemetry/index.js";
import {
  DISABLED_RECORDER,
  RawTraceEventSchema,
  payloadRefsOf,
  reduceBundle,
  resolveRolloutTraceRoot,
  rolloutTraceRootFromEnv,
  startRolloutRecorder,
  type RolloutRecorder,
} from "../src/rollout-trace/index.js";
import { assistantMessage, scratchDir, userMessage } from "./rollout-bundle-builder.js";

const scratch = scratchDir("spool-rollout-writer-");
after(scratch.cleanup);

let warnings: LogRecord[] = [];
configureLogging({
  filter: "spool_rollout_trace=warn,off",
  sink: (r) => {
    if (r.level === "warn") warnings.push(r);
  },
});
beforeEach(() => {
  warnings = [];
});

let n = 0;
const THREAD = "01a20752-69f1-7a33-b0d4-ef04dacd8dba";
function newRecorder(root = join(scratch.dir, `root-${++n}`)): RolloutRecorder {
  return startRolloutRecorder({ root, rootThreadId: THREAD, durability: "flush", signalHooks: false });
}

function traceLines(bundle: string): unknown[] {
  return readFileSync(join(bundle, "trace.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as unknown);
}

const USAGE = {
  inputTokens: 1300,
  cachedInputTokens: 200,
  cacheWriteInputTokens: 5,
  outputTokens: 12,
  reasoningOutputTokens: 3,
  totalTokens: 1312,
};

/** The spec §11 writer scenario. */
async function recordSpecScenario(rec: RolloutRecorder): Promise<void> {
  const thread = rec.startThread({
    threadId: THREAD,
    agentPath: "/root",
    metadata: {
      thread_id: THREAD,
      agent_path: "/root",
      task_name: null,
      nickname: null,
      agent_role: null,
      session_source: "cli",
      cwd: "/w",
      rollout_path: null,
      model: "gpt-test",
      provider_name: "test",
      approval_policy: "never",
      sandbox_policy: "DangerFullAccess",
    },
  });
  const turn = thread.startTurn("turn-1");
  turn.historyItemAccepted("msg_user");
  const inf = turn.startInference({
    model: "gpt-test",
    providerName: "test",
    request: { model: "gpt-test", input: [userMessage("msg_user", "hello")] },
  });
  inf.completed({
    responseId: "resp-1",
    upstreamRequestId: "req-1",
    tokenUsage: USAGE,
    outputItems: [assistantMessage("msg_answer", "hi!")],
  });
  turn.historyItemAccepted("msg_answer");
  turn.ended("completed");
  thread.ended("completed");
  await rec.end("completed");
}

describe("bundle writer", () => {
  test("the spec's writer scenario reduces to a completed rollout with both inference ids", async () => {
    const rec = newRecorder();
    await recordSpecScenario(rec);
    const bundle = rec.bundleDir!;
    assert.match(bundle, /trace-[0-9a-f-]{36}-01a20752-69f1-7a33-b0d4-ef04dacd8dba$/);
    const manifestText = readFileSync(join(bundle, "manifest.json"), "utf8");
    assert.ok(manifestText.startsWith('{\n  "schema_version": 2,\n  "trace_id": '));
    assert.ok(!manifestText.endsWith("\n"));
    const payload1 = readFileSync(join(bundle, "payloads", "1.json"), "utf8");
    assert.ok(payload1.startsWith('{\n  "thread_id"') && !payload1.endsWith("\n"));
    const line = readFileSync(join(bundle, "trace.jsonl"), "utf8").split("\n")[0]!;
    assert.match(
      line,
      /^\{"schema_version":2,"seq":1,"wall_time_unix_ms":\d+,"rollout_id":"[^"]+","thread_id":null,"codex_turn_id":null,"payload":\{"type":"rollout_started"/,
    );

    const { state } = await reduceBundle(bundle);
    assert.equal(state.status, "completed");
    assert.equal(state.recording_complete, true);
    const thread = state.threads.get(THREAD)!;
    assert.equal(thread.agent_path, "/root");
    assert.equal(thread.default_model, "gpt-test");
    assert.equal(state.codex_turns.get("turn-1")!.execution.status, "completed");
    const [call] = [...state.inference_calls.values()];
    assert.equal(call!.response_id, "resp-1");
    assert.equal(call!.upstream_request_id, "req-1");
    // Spool's one TokenUsage reaches the bundle in Codex's casing, and the reducer reads it back.
    const responsePayload = readdirSync(join(bundle, "payloads"))
      .map((f) => JSON.parse(readFileSync(join(bundle, "payloads", f), "utf8")) as Record<string, unknown>)
      .find((p) => p.response_id === "resp-1")!;
    assert.deepEqual(responsePayload.token_usage, {
      input_tokens: 1300,
      cached_input_tokens: 200,
      cache_write_input_tokens: 5,
      output_tokens: 12,
      reasoning_output_tokens: 3,
      total_tokens: 1312,
    });
    assert.deepEqual(call!.usage, {
      input_tokens: 1300,
      cached_input_tokens: 200,
      cache_write_input_tokens: 5,
      output_tokens: 12,
      reasoning_output_tokens: 3,
    });
    const answer = state.conversation_items.get(call!.response_item_ids[0]!)!;
    assert.equal(answer.responses_item_id, "msg_answer");
    assert.notEqual(answer.accepted_seq, undefined);
    assert.ok(thread.conversation_item_ids.includes(answer.item_id));
    assert.deepEqual(state.raw_payloads.get("raw_payload:1"), {
      raw_payload_id: "raw_payload:1",
      kind: { type: "session_metadata" },
      path: "payloads/1.json",
    });
  });

  test("seq stays contiguous and totally ordered when many tasks record concurrently", async () => {
    const rec = newRecorder();
    const root = rec.startThread({ threadId: THREAD, agentPath: "/root" });
    const tasks = Array.from({ length: 16 }, async (_, t) => {
      const turn = root.startTurn(`turn-${t}`);
      for (let i = 0; i < 40; i++) {
        const inf = turn.startInference({ model: "m", providerName: "p", request: { input: [] } });
        await new Promise((r) => setImmediate(r));
        inf.completed({
          responseId: `resp-${t}-${i}`,
          upstreamRequestId: `req-${t}-${i}`,
          tokenUsage: null,
          outputItems: [],
        });
        if (i % 7 === 0) await rec.flush();
      }
      turn.ended("completed");
    });
    await Promise.all(tasks);
    root.ended("completed");
    await rec.end("completed");
    const lines = traceLines(rec.bundleDir!);
    const seqs = lines.map((l) => RawTraceEventSchema.parse(l).seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
    );
    // rollout_started, thread_started, 16 × (turn start + 40 × 2 + turn end), thread_ended, rollout_ended, recording_completed
    assert.equal(seqs.length, 2 + 16 * 82 + 3);
    const { state } = await reduceBundle(rec.bundleDir!);
    assert.equal(state.inference_calls.size, 16 * 40);
    assert.equal(readdirSync(join(rec.bundleDir!, "payloads")).length, 16 * 40 * 2);
  });

  test("every prefix of trace.jsonl only references payload files that are already complete on disk", async () => {
    const rec = newRecorder();
    const bundle = rec.bundleDir!;
    const big = "x".repeat(20_000);
    let checkedLines = 0;
    let checks = 0;
    // Reads the bundle as it is right now, mid-drain: every complete line's payloads must parse.
    const check = (): void => {
      const text = readFileSync(join(bundle, "trace.jsonl"), "utf8");
      const lines = text
        .slice(0, text.lastIndexOf("\n") + 1)
        .split("\n")
        .filter((l) => l !== "");
      for (const l of lines) {
        for (const ref of payloadRefsOf(RawTraceEventSchema.parse(JSON.parse(l)).payload)) {
          assert.ok("path" in ref);
          JSON.parse(readFileSync(join(bundle, ref.path), "utf8"));
        }
      }
      checkedLines = Math.max(checkedLines, lines.length);
      checks++;
    };
    const thread = rec.startThread({ threadId: THREAD, agentPath: "/root" });
    const turn = thread.startTurn("t");
    await rec.flush();
    for (let i = 0; i < 300; i++) {
      turn
        .startInference({ model: "m", providerName: "p", request: { input: [userMessage(`m${i}`, big)] } })
        .completed({
          responseId: `r${i}`,
          upstreamRequestId: `q${i}`,
          tokenUsage: null,
          outputItems: [assistantMessage(`a${i}`, big)],
        });
      await new Promise((r) => setImmediate(r));
      check();
    }
    turn.ended("completed");
    thread.ended("completed");
    await rec.end("completed");
    check();
    assert.equal(checks, 301);
    assert.equal(checkedLines, 3 + 600 + 4, "the last check saw the finished bundle");
  });

  test("an unwritable root gives one warning and the session goes on", async () => {
    const file = join(scratch.dir, "not-a-dir");
    writeFileSync(file, "");
    const rec = newRecorder(join(file, "traces"));
    assert.equal(rec.enabled, true);
    await recordSpecScenario(rec);
    const thread = rec.startThread({ threadId: "t2", agentPath: "/root/x" });
    thread.startTurn("x").startInference({ model: "m", providerName: "p", request: () => ({ input: [] }) });
    await rec.flush();
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.target, "spool_rollout_trace::writer");
    assert.match(
      warnings[0]!.message,
      /^failed to start rollout trace: .*recording stopped for this session$/,
    );
  });

  test("a bundle directory that vanishes mid-session gives one warning and recording stops", async () => {
    const rec = newRecorder();
    const thread = rec.startThread({ threadId: THREAD, agentPath: "/root" });
    const turn = thread.startTurn("t");
    await rec.flush();
    rmSync(rec.bundleDir!, { recursive: true, force: true });
    for (let i = 0; i < 20; i++) {
      turn.startInference({ model: "m", providerName: "p", request: { input: [] } }).failed({
        upstreamRequestId: null,
        error: "x",
      });
      await rec.flush();
    }
    turn.ended("failed");
    await rec.end("failed");
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!.message,
      /^failed to (write rollout trace payload|append rollout trace event): /,
    );
    assert.ok(!existsSync(rec.bundleDir!));
  });

  test("a writer that cannot keep up stops recording with one warning instead of queueing without bound", async () => {
    const rec = newRecorder();
    const turn = rec.startThread({ threadId: THREAD, agentPath: "/root" }).startTurn("t");
    for (let i = 0; i < 60_000; i++) turn.historyItemAccepted(`msg_${i}`);
    await rec.end("completed");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /^rollout trace writer fell behind: more than 50000 writes queued/);
    const r = await reduceBundle(rec.bundleDir!);
    assert.equal(r.state.recording_complete, false);
  });

  test("a payload thunk that throws stops recording with one warning, leaving a reducible bundle", async () => {
    const rec = newRecorder();
    const thread = rec.startThread({ threadId: THREAD, agentPath: "/root" });
    const turn = thread.startTurn("t");
    turn.startInference({
      model: "m",
      providerName: "p",
      request: () => {
        throw new Error("boom");
      },
    });
    turn.ended("completed");
    await rec.end("completed");
    assert.equal(warnings.length, 1);
    const r = await reduceBundle(rec.bundleDir!);
    assert.equal(r.state.recording_complete, false);
    assert.equal(r.state.inference_calls.size, 0);
  });
});

describe("recorder", () => {
  test("disabled recording is a no-op on shared handles that never runs payload thunks", async () => {
    const rec = startRolloutRecorder({ root: undefined, rootThreadId: THREAD });
    assert.equal(rec, DISABLED_RECORDER);
    assert.equal(rec.enabled, false);
    let built = 0;
    const thunk = () => {
      built++;
      return {};
    };
    const t1 = rec.startThread({ threadId: "a", agentPath: "/root", metadata: thunk as never });
    const t2 = rec.startThread({ threadId: "b", agentPath: "/root" });
    assert.equal(t1, t2);
    const turn = t1.startTurn("x");
    const inf = turn.startInference({ model: "m", providerName: "p", request: thunk });
    inf.completed({ responseId: "r", upstreamRequestId: "q", tokenUsage: null, outputItems: thunk as never });
    rec.protocolEvent("warning", thunk);
    await rec.end("completed");
    assert.equal(built, 0);
  });

  test("payload thunks run in the background drain, not on the caller's path", async () => {
    const rec = newRecorder();
    let built = 0;
    rec.protocolEvent("session_configured", () => {
      built++;
      return { type: "session_configured" };
    });
    assert.equal(built, 0);
    await rec.flush();
    assert.equal(built, 1);
    await rec.end("completed");
  });

  test("failed, cancelled and dropped attempts carry upstream_request_id but never response_id", async () => {
    const rec = newRecorder();
    const thread = rec.startThread({ threadId: THREAD, agentPath: "/root" });
    const turn = thread.startTurn("t");
    const req = { input: [userMessage("u", "hi")] };
    const completed = turn.startInference({
      inferenceCallId: "i-ok",
      model: "m",
      providerName: "p",
      request: req,
    });
    completed.completed({
      responseId: "resp_ok",
      upstreamRequestId: "req_ok",
      tokenUsage: null,
      outputItems: [],
    });
    completed.failed({ upstreamRequestId: "ignored", error: "second terminal event" });
    turn.startInference({ inferenceCallId: "i-fail", model: "m", providerName: "p", request: req }).failed({
      upstreamRequestId: "req_fail",
      error: "HTTP 500",
      partialOutputItems: [assistantMessage("p1", "par")],
    });
    turn
      .startInference({ inferenceCallId: "i-cancel", model: "m", providerName: "p", request: req })
      .cancelled({ upstreamRequestId: "req_cancel", reason: "user interrupt" });
    turn
      .startInference({ inferenceCallId: "i-drop", model: "m", providerName: "p", request: req })
      .dropped({ upstreamRequestId: "req_drop", detail: "socket hang up" });
    const late = turn.startInference({
      inferenceCallId: "i-late",
      model: "m",
      providerName: "p",
      request: req,
    });
    turn.ended("failed");
    late.cancelled({
      upstreamRequestId: "req_late",
      reason: "turn ended",
      partialOutputItems: () => [assistantMessage("pl", "late")],
    });
    thread.ended("failed");
    await rec.end("failed");

    const lines = traceLines(rec.bundleDir!).map((l) => RawTraceEventSchema.parse(l).payload);
    const terminal = lines.filter((p) => p.type.startsWith("inference_") && p.type !== "inference_started");
    assert.equal(terminal.length, 5, "one terminal event per attempt");
    for (const p of terminal) {
      if (p.type !== "inference_completed")
        assert.ok(!("response_id" in p), `${p.type} must not carry response_id`);
    }
    const raw = readFileSync(join(rec.bundleDir!, "trace.jsonl"), "utf8");
    assert.match(
      raw,
      /"type":"inference_failed","inference_call_id":"i-drop","upstream_request_id":"req_drop","error":"stream closed before response.completed: socket hang up"/,
    );

    const { state } = await reduceBundle(rec.bundleDir!);
    const get = (id: string) => state.inference_calls.get(id)!;
    assert.deepEqual(
      [get("i-ok").response_id, get("i-ok").upstream_request_id, get("i-ok").execution.status],
      ["resp_ok", "req_ok", "completed"],
    );
    assert.deepEqual(
      [get("i-fail").response_id, get("i-fail").upstream_request_id, get("i-fail").execution.status],
      [null, "req_fail", "failed"],
    );
    assert.equal(get("i-fail").response_item_ids.length, 1);
    assert.deepEqual(
      [get("i-cancel").response_id, get("i-cancel").upstream_request_id],
      [null, "req_cancel"],
    );
    assert.deepEqual(
      [get("i-drop").upstream_request_id, get("i-drop").execution.status],
      ["req_drop", "failed"],
    );
    const lateCall = get("i-late");
    assert.deepEqual(
      [lateCall.execution.status, lateCall.upstream_request_id, lateCall.response_id],
      ["failed", "req_late", null],
    );
    assert.equal(lateCall.execution.ended_seq, state.codex_turns.get("t")!.execution.ended_seq);
    assert.equal(lateCall.response_item_ids.length, 1);
  });

  test("tool calls, terminals, code cells, compactions and agent results reduce from recorder calls", async () => {
    const rec = newRecorder();
    const thread = rec.startThread({ threadId: THREAD, agentPath: "/root" });
    const turn = thread.startTurn("t");
    const inf = turn.startInference({
      model: "m",
      providerName: "p",
      request: { input: [userMessage("u", "run it")] },
    });
    inf.completed({
      responseId: "resp-1",
      upstreamRequestId: "req-1",
      tokenUsage: null,
      outputItems: [
        {
          type: "function_call",
          id: "fc_1",
          name: "exec_command",
          call_id: "call-1",
          arguments: '{"cmd":"ls"}',
        },
      ],
    });
    const tool = turn.startToolCall({
      toolCallId: "call-1",
      modelVisibleCallId: "call-1",
      toolName: "exec_command",
      invocation: { type: "function", arguments: '{"cmd":"ls"}' },
    });
    tool.terminalStarted({ processId: "99", command: ["bash", "-lc", "ls"], cwd: "/w" });
    tool.terminalEnded({
      processId: "99",
      exitCode: 0,
      aggregatedOutput: "a\nb\n",
      durationMs: 12.5,
      status: "completed",
    });
    tool.ended("completed", {
      type: "direct_response",
      response_item: { type: "function_call_output", call_id: "call-1", output: "a\nb\n" },
    });
    const compaction = turn.startCompaction("cmp-1");
    compaction
      .startRequest({ compactionRequestId: "cr-1", model: "m", providerName: "p", request: { input: [] } })
      .completed({});
    compaction.installed({
      input_history: [userMessage("u", "run it")],
      replacement_history: [{ type: "compaction", encrypted_content: "e" }],
    });
    rec.agentResult({
      childThreadId: THREAD,
      childCodexTurnId: "t",
      parentThreadId: THREAD,
      message: "ok",
      result: { status: "completed" },
    });
    turn.ended("completed");
    thread.ended("completed");
    await rec.end("completed");

    const { state } = await reduceBundle(rec.bundleDir!);
    const t = state.tool_calls.get("call-1")!;
    assert.deepEqual(
      state.inference_calls.get([...state.inference_calls.keys()][0]!)!.tool_call_ids_started_by_response,
      ["call-1"],
    );
    assert.equal(t.execution.status, "completed");
    assert.equal(t.terminal_operation_id, "terminal_operation:1");
    assert.deepEqual(state.terminal_operations.get("terminal_operation:1")!.result?.stdout, "a\nb\n");
    assert.equal(state.terminal_sessions.size, 1);
    assert.deepEqual(state.compactions.get("cmp-1")!.request_ids, ["cr-1"]);
    assert.equal(
      state.interaction_edges.get(`edge:agent_result:${THREAD}:t:${THREAD}`)!.kind,
      "agent_result",
    );
  });
});

test("the environment names the trace root: SPOOL_ wins over CODEX_, and env wins over config", () => {
  assert.equal(rolloutTraceRootFromEnv({}), undefined);
  assert.equal(rolloutTraceRootFromEnv({ CODEX_ROLLOUT_TRACE_ROOT: "/c" }), "/c");
  assert.equal(
    rolloutTraceRootFromEnv({ CODEX_ROLLOUT_TRACE_ROOT: "/c", SPOOL_ROLLOUT_TRACE_ROOT: "/s" }),
    "/s",
  );
  assert.equal(
    rolloutTraceRootFromEnv({ SPOOL_ROLLOUT_TRACE_ROOT: " ", CODEX_ROLLOUT_TRACE_ROOT: "/c" }),
    "/c",
  );
  assert.equal(resolveRolloutTraceRoot("/cfg", {}), "/cfg");
  assert.equal(resolveRolloutTraceRoot("/cfg", { CODEX_ROLLOUT_TRACE_ROOT: "/c" }), "/c");
  assert.equal(resolveRolloutTraceRoot(undefined, {}), undefined);
  assert.equal(resolveRolloutTraceRoot("", {}), undefined);
});
