import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  RolloutTraceSchema,
  TraceReduceError,
  reduceBundle,
  stateJson,
  type ReduceResult,
} from "../src/rollout-trace/index.js";
import {
  BundleBuilder,
  ROLLOUT,
  THREAD,
  TURN,
  assistantMessage,
  scratchDir,
  userMessage,
} from "./rollout-bundle-builder.js";

const scratch = scratchDir("spool-rollout-reducer-");
after(scratch.cleanup);
const newBundle = (manifest?: Record<string, unknown>) => new BundleBuilder(scratch.dir, manifest);

async function reduce(dir: string): Promise<ReduceResult> {
  const r = await reduceBundle(dir);
  // Every reduction must also be a valid state.json by the strict schema.
  RolloutTraceSchema.parse(JSON.parse(stateJson(r.state)));
  return r;
}

async function reduceError(dir: string): Promise<TraceReduceError> {
  try {
    await reduceBundle(dir);
  } catch (err) {
    assert.ok(err instanceof TraceReduceError, `expected TraceReduceError, got ${String(err)}`);
    return err;
  }
  assert.fail("the bundle reduced but should not have");
}

/** Root thread, one turn, the user prompt accepted, one inference call in flight. */
function turnWithInference(b: BundleBuilder, id = "inf-1"): void {
  b.event({
    type: "rollout_started",
    trace_id: "00000000-0000-4000-8000-0000000000cc",
    root_thread_id: THREAD,
  });
  b.rootThread();
  b.turnStarted();
  b.accepted("msg_user");
  b.inferenceStarted(id, { model: "gpt-test", input: [userMessage("msg_user", "hi")] });
}

describe("bundle validation", () => {
  test("manifest plus an empty trace.jsonl reduces to a running, incomplete rollout", async () => {
    const r = await reduce(newBundle().write());
    assert.equal(r.state.status, "running");
    assert.equal(r.state.recording_complete, false);
    assert.equal(r.events, 0);
  });

  test("a missing manifest is an error naming manifest.json", async () => {
    const b = newBundle();
    const dir = b.write();
    writeFileSync(join(dir, "manifest.json"), "");
    const { rmSync } = await import("node:fs");
    rmSync(join(dir, "manifest.json"));
    const err = await reduceError(dir);
    assert.match(err.message, /missing trace manifest/);
    assert.equal(err.location.file, join(dir, "manifest.json"));
  });

  test("schema version 1 manifests are rejected with Codex's message", async () => {
    const err = await reduceError(newBundle({ schema_version: 1 }).write());
    assert.match(err.message, /^trace schema 1 cannot establish accepted history/);
  });

  test("a missing trace.jsonl is an error", async () => {
    const b = newBundle();
    const err = await reduceError(b.dir);
    assert.match(err.message, /^open trace event log /);
  });

  test("a seq gap names the expected seq, the file, the line and the seq found", async () => {
    const b = newBundle();
    b.event({ type: "rollout_started", trace_id: "t", root_thread_id: THREAD });
    b.event({ type: "rollout_ended", status: "completed" }, {}, { seq: 3 });
    const err = await reduceError(b.write());
    assert.equal(err.message, "missing or reordered trace event 2");
    assert.deepEqual(err.location, { file: join(b.dir, "trace.jsonl"), line: 2, seq: 3 });
    assert.match(err.describe(), /trace\.jsonl, line 2, seq 3\)$/);
  });

  test("a seq starting at 0 is rejected", async () => {
    const b = newBundle();
    b.event({ type: "rollout_ended", status: "completed" }, {}, { seq: 0 });
    assert.equal((await reduceError(b.write())).message, "missing or reordered trace event 1");
  });

  test("a missing payload file is an error naming the payload id and its file", async () => {
    const b = newBundle();
    const ref = b.payload("protocol_event", { type: "warning" });
    b.event({ type: "protocol_event_observed", event_type: "warning", event_payload: ref });
    const dir = b.write();
    const { rmSync } = await import("node:fs");
    rmSync(join(dir, ref.path));
    const err = await reduceError(dir);
    assert.equal(err.message, "read payload raw_payload:1");
    assert.equal(err.location.file, join(dir, "payloads/1.json"));
    assert.equal(err.location.seq, 1);
  });

  test("an invalid payload file is an error", async () => {
    const b = newBundle();
    const ref = b.payload("protocol_event", {});
    writeFileSync(join(b.dir, ref.path), "{not json");
    b.event({ type: "protocol_event_observed", event_type: "x", event_payload: ref });
    assert.equal((await reduceError(b.write())).message, "invalid payload raw_payload:1");
  });

  test("session metadata that cannot be opened says open payload", async () => {
    const b = newBundle();
    b.event({
      type: "thread_started",
      thread_id: THREAD,
      agent_path: "/root",
      metadata_payload: {
        raw_payload_id: "raw_payload:9",
        kind: { type: "session_metadata" },
        path: "payloads/9.json",
      },
    });
    assert.equal((await reduceError(b.write())).message, "open payload raw_payload:9");
  });

  test("an unknown event type is an error that lists the accepted variants", async () => {
    const b = newBundle();
    b.event({ type: "made_up_event" });
    const err = await reduceError(b.write());
    assert.match(err.message, /^parse trace event line 1: unknown variant `made_up_event`, expected one of /);
    assert.match(err.message, /`inference_completed`/);
  });

  test("the `other` event has no reducer implementation", async () => {
    const b = newBundle();
    b.event({ type: "other", kind: "k", summary: "s", payloads: [], metadata: null });
    assert.equal((await reduceError(b.write())).message, "raw trace event has no reducer implementation");
  });

  test("an unknown payload kind or rollout status is a parse error", async () => {
    const b = newBundle();
    b.event({ type: "rollout_ended", status: "exploded" });
    assert.match((await reduceError(b.write())).message, /^parse trace event line 1: payload\.status/);
    const c = newBundle();
    c.event({
      type: "protocol_event_observed",
      event_type: "x",
      event_payload: { raw_payload_id: "raw_payload:1", kind: { type: "nope" }, path: "payloads/1.json" },
    });
    assert.match(
      (await reduceError(c.write())).message,
      /^parse trace event line 1: payload\.event_payload\.kind/,
    );
  });

  test("unknown extra keys in the envelope and payload are ignored", async () => {
    const b = newBundle();
    b.event({ type: "rollout_ended", status: "completed", future_field: 1 }, {}, { extra: true });
    const r = await reduce(b.write());
    assert.equal(r.state.status, "completed");
  });

  test("an event of another rollout is rejected", async () => {
    const b = newBundle();
    b.event({ type: "rollout_ended", status: "completed" }, {}, { rollout_id: "someone-else" });
    assert.equal((await reduceError(b.write())).message, "trace event belongs to another rollout");
  });

  test("an event version other than 2 is rejected", async () => {
    const b = newBundle();
    b.event({ type: "rollout_ended", status: "completed" }, {}, { schema_version: 1 });
    assert.equal((await reduceError(b.write())).message, "unsupported trace event schema 1 at line 1");
  });

  test("nothing may follow recording_completed", async () => {
    const b = newBundle();
    b.event({ type: "recording_completed" });
    b.event({ type: "rollout_ended", status: "completed" });
    assert.equal((await reduceError(b.write())).message, "trace event after recording completed");
  });

  test("a truncated middle line is an error with its line number", async () => {
    const b = newBundle();
    b.rawLine('{"schema_version":2,"seq":1');
    b.event({ type: "rollout_ended", status: "completed" });
    assert.equal((await reduceError(b.write())).message, "parse trace event line 1");
  });

  test("a cut last line (process died mid-write) reduces, incomplete, and is named as an anomaly", async () => {
    const b = newBundle();
    b.event({ type: "rollout_started", trace_id: "t2", root_thread_id: THREAD });
    b.event({ type: "rollout_ended", status: "completed" });
    const r = await reduce(b.write({ cutLast: 10 }));
    assert.equal(r.state.trace_id, "t2");
    assert.equal(r.state.status, "running");
    assert.equal(r.state.recording_complete, false);
    assert.match(r.anomalies.join("\n"), /last line 2 of trace\.jsonl is incomplete/);
  });

  test("a complete last line without newline applies but recording_completed then does not count", async () => {
    const b = newBundle();
    b.event({ type: "rollout_ended", status: "completed" });
    b.event({ type: "recording_completed" });
    const r = await reduce(b.write({ cutLast: true }));
    assert.equal(r.state.status, "completed");
    assert.equal(r.state.recording_complete, false);
  });

  test("blank lines and CRLF endings are tolerated; blank lines count for line numbers", async () => {
    const b = newBundle();
    b.event({ type: "rollout_ended", status: "aborted" });
    b.rawLine("");
    b.rawLine(
      '{"schema_version":2,"seq":2,"wall_time_unix_ms":1,"rollout_id":"' +
        ROLLOUT +
        '","payload":{"type":"recording_completed"}}\r',
    );
    const r = await reduce(b.write());
    assert.equal(r.state.status, "aborted");
    assert.equal(r.state.recording_complete, true);
  });
});

describe("inference calls keep response_id and upstream_request_id apart", () => {
  test("completed: both ids from the event; usage from the payload", async () => {
    const b = newBundle();
    turnWithInference(b);
    b.inferenceCompleted("inf-1", "resp-1", "req-1", [assistantMessage("msg_a", "hello")]);
    const r = await reduce(b.write());
    const call = r.state.inference_calls.get("inf-1")!;
    assert.equal(call.execution.status, "completed");
    assert.equal(call.response_id, "resp-1");
    assert.equal(call.upstream_request_id, "req-1");
    assert.deepEqual(call.usage, {
      input_tokens: 10,
      cached_input_tokens: 0,
      cache_write_input_tokens: 0,
      output_tokens: 5,
      reasoning_output_tokens: 0,
    });
    assert.equal(call.response_item_ids.length, 1);
  });

  test("failed: upstream_request_id kept, response_id null even when the partial payload has one", async () => {
    const b = newBundle();
    turnWithInference(b);
    const partial = b.payload("inference_response", {
      response_id: "resp-should-not-leak",
      upstream_request_id: "req-f",
      token_usage: null,
      output_items: [assistantMessage("msg_p", "partial")],
    });
    b.event(
      {
        type: "inference_failed",
        inference_call_id: "inf-1",
        upstream_request_id: "req-f",
        error: "HTTP 500",
        partial_response_payload: partial,
      },
      { thread: THREAD, turn: TURN },
    );
    const r = await reduce(b.write());
    const call = r.state.inference_calls.get("inf-1")!;
    assert.equal(call.execution.status, "failed");
    assert.equal(call.response_id, null);
    assert.equal(call.upstream_request_id, "req-f");
    assert.equal(call.usage, null);
    assert.equal(call.raw_response_payload_id, partial.raw_payload_id);
    assert.equal(call.response_item_ids.length, 1);
  });

  test("cancelled without a partial payload: upstream_request_id only", async () => {
    const b = newBundle();
    turnWithInference(b);
    b.event(
      {
        type: "inference_cancelled",
        inference_call_id: "inf-1",
        upstream_request_id: "req-c",
        reason: "interrupted",
        partial_response_payload: null,
      },
      { thread: THREAD, turn: TURN },
    );
    const call = (await reduce(b.write())).state.inference_calls.get("inf-1")!;
    assert.equal(call.execution.status, "cancelled");
    assert.equal(call.response_id, null);
    assert.equal(call.upstream_request_id, "req-c");
    assert.deepEqual(call.response_item_ids, []);
  });

  test("late cancellation after a failed turn keeps the turn end's status and window but takes its id and output", async () => {
    const b = newBundle();
    turnWithInference(b);
    const turnEnd = b.event(
      { type: "codex_turn_ended", codex_turn_id: TURN, status: "failed" },
      { thread: THREAD, turn: TURN },
    );
    const turnEndWall = b.lastWall;
    b.event(
      {
        type: "inference_cancelled",
        inference_call_id: "inf-1",
        upstream_request_id: "req_late",
        reason: "turn ended",
        partial_response_payload: b.payload("inference_response", {
          response_id: null,
          upstream_request_id: "req_late",
          token_usage: null,
          output_items: [assistantMessage("msg_late", "late words")],
        }),
      },
      { thread: THREAD, turn: TURN },
    );
    const call = (await reduce(b.write())).state.inference_calls.get("inf-1")!;
    assert.equal(call.execution.status, "failed");
    assert.equal(call.execution.ended_seq, turnEnd);
    assert.equal(call.execution.ended_at_unix_ms, turnEndWall);
    assert.equal(call.upstream_request_id, "req_late");
    assert.equal(call.response_id, null);
    assert.equal(call.response_item_ids.length, 1);
  });

  test("a completed turn closes a still-running inference call as cancelled", async () => {
    const b = newBundle();
    turnWithInference(b);
    b.event(
      { type: "codex_turn_ended", codex_turn_id: TURN, status: "completed" },
      { thread: THREAD, turn: TURN },
    );
    const r = await reduce(b.write());
    assert.equal(r.state.inference_calls.get("inf-1")!.execution.status, "cancelled");
    assert.equal(r.state.codex_turns.get(TURN)!.execution.status, "completed");
  });

  test("negative token counts become 0 and incomplete usage is null", async () => {
    const b = newBundle();
    turnWithInference(b);
    b.event(
      {
        type: "inference_completed",
        inference_call_id: "inf-1",
        response_id: "r",
        upstream_request_id: null,
        response_payload: b.payload("inference_response", {
          response_id: "r",
          upstream_request_id: null,
          token_usage: {
            input_tokens: -5,
            cached_input_tokens: 0,
            output_tokens: 2,
            reasoning_output_tokens: 0,
          },
          output_items: [],
        }),
      },
      { thread: THREAD, turn: TURN },
    );
    turnWithInferenceSecond(b);
    const r = await reduce(b.write());
    assert.deepEqual(r.state.inference_calls.get("inf-1")!.usage, {
      input_tokens: 0,
      cached_input_tokens: 0,
      cache_write_input_tokens: 0,
      output_tokens: 2,
      reasoning_output_tokens: 0,
    });
    assert.equal(r.state.inference_calls.get("inf-2")!.usage, null);
  });
});

function turnWithInferenceSecond(b: BundleBuilder): void {
  b.inferenceStarted("inf-2", { input: [userMessage("msg_user", "hi")] });
  b.event(
    {
      type: "inference_completed",
      inference_call_id: "inf-2",
      response_id: "r2",
      upstream_request_id: "q2",
      response_payload: b.payload("inference_response", {
        output_items: [],
        token_usage: { input_tokens: 1 },
      }),
    },
    { thread: THREAD, turn: TURN },
  );
}

describe("conversation reconstruction", () => {
  test("previous_response_id chains an incremental request onto the referenced call's items", async () => {
    const b = newBundle();
    turnWithInference(b);
    b.inferenceCompleted("inf-1", "resp-1", "req-1", [assistantMessage("msg_a1", "first answer")]);
    b.accepted("msg_a1");
    b.accepted("msg_u2");
    b.inferenceStarted("inf-2", { previous_response_id: "resp-1", input: [userMessage("msg_u2", "again")] });
    b.inferenceCompleted("inf-2", "resp-2", "req-2", [assistantMessage("msg_a2", "second answer")]);
    const r = await reduce(b.write());
    const first = r.state.inference_calls.get("inf-1")!;
    const second = r.state.inference_calls.get("inf-2")!;
    assert.deepEqual(second.request_item_ids, [
      ...first.request_item_ids,
      ...first.response_item_ids,
      "conversation_item:3",
    ]);
    assert.equal(second.response_id, "resp-2");
    assert.equal(second.upstream_request_id, "req-2");
    const thread = r.state.threads.get(THREAD)!;
    // The second answer was never accepted nor re-sent: it is an item but not in the transcript.
    assert.deepEqual(thread.conversation_item_ids, [
      "conversation_item:1",
      "conversation_item:2",
      "conversation_item:3",
    ]);
    assert.equal(r.state.conversation_items.get("conversation_item:3")!.accepted_seq !== undefined, true);
  });

  test("an unknown previous_response_id is reduced as a full request and named as an anomaly", async () => {
    const b = newBundle();
    b.rootThread();
    b.turnStarted();
    b.inferenceStarted("inf-1", {
      previous_response_id: "resp-from-an-earlier-trace",
      input: [userMessage("m", "x")],
    });
    const r = await reduce(b.write());
    assert.deepEqual(r.state.inference_calls.get("inf-1")!.request_item_ids, ["conversation_item:1"]);
    assert.match(r.anomalies.join("\n"), /unknown previous_response_id resp-from-an-earlier-trace/);
  });

  test("a full re-sent history reuses the items it already has", async () => {
    const b = newBundle();
    turnWithInference(b);
    b.inferenceCompleted("inf-1", "resp-1", "req-1", [assistantMessage("msg_a1", "answer")]);
    b.inferenceStarted("inf-2", {
      input: [
        userMessage("msg_user", "hi"),
        assistantMessage("msg_a1", "answer"),
        userMessage("msg_u2", "more"),
      ],
    });
    const r = await reduce(b.write());
    assert.deepEqual(r.state.inference_calls.get("inf-2")!.request_item_ids, [
      "conversation_item:1",
      "conversation_item:2",
      "conversation_item:3",
    ]);
    assert.equal(r.state.conversation_items.size, 3);
  });

  test("acceptances before the item exists wait for it; unknown ones are dropped; the first acceptance wins", async () => {
    const b = newBundle();
    turnWithInference(b);
    const acceptedAt = 4; // seq of b.accepted("msg_user") in turnWithInference
    b.accepted("msg_user");
    b.accepted("msg_never_seen");
    const r = await reduce(b.write());
    const item = r.state.conversation_items.get("conversation_item:1")!;
    assert.equal(item.accepted_seq, acceptedAt);
    assert.equal(item.responses_item_id, "msg_user");
  });

  test("history acceptance without an envelope thread is an error", async () => {
    const b = newBundle();
    b.rootThread();
    b.accepted("msg", null);
    assert.equal((await reduceError(b.write())).message, "history acceptance has no thread");
  });

  test("message parts, phases and item kinds normalize as Codex 0.169 does", async () => {
    const b = newBundle();
    b.rootThread();
    b.turnStarted();
    b.inferenceStarted("inf-1", {
      input: [
        {
          type: "message",
          role: "developer",
          phase: "commentary",
          content: [{ type: "input_text", text: "t" }, { type: "input_image", image_url: "x" }, { nope: 1 }],
        },
        { type: "message", role: "user", content: [] },
        { type: "reasoning", summary: [{ type: "summary_text", text: "s" }], encrypted_content: "enc" },
        { type: "custom_tool_call", name: "exec", call_id: "c1", input: "console.log(1)" },
        { type: "function_call", name: "f", call_id: "c2", arguments: "not json" },
        { type: "function_call_output", call_id: "c2", output: { ok: true } },
        { type: "compaction", encrypted_content: "zzz" },
      ],
    });
    const items = [...(await reduce(b.write())).state.conversation_items.values()];
    const ref = "raw_payload:2";
    // Hashes as Codex 0.169's reducer wrote them for this bundle (SHA-256 of the sorted compact JSON).
    assert.deepEqual(items[0]!.body.parts, [
      { type: "text", text: "t" },
      {
        type: "payload_ref",
        label: "input_image",
        raw_payload_id: ref,
        content_sha256: "b53205dfa1300c7327701f865ef670cf21b0a60b565df5a5df92a21db916df88",
      },
      {
        type: "payload_ref",
        label: "content",
        raw_payload_id: ref,
        content_sha256: "8e131dfb0af455d31b27097a1e7f29e46029b2a512c7bb26e034d8d834496e97",
      },
    ]);
    assert.equal(items[0]!.channel, "commentary");
    assert.deepEqual(items[1]!.body.parts, []);
    assert.deepEqual(items[2]!.body.parts, [
      { type: "summary", text: "s" },
      { type: "encoded", label: "encrypted_content", value: "enc" },
    ]);
    assert.deepEqual(items[3]!.body.parts, [
      { type: "code", language: "javascript", source: "console.log(1)" },
    ]);
    assert.deepEqual(items[4]!.body.parts, [{ type: "text", text: "not json" }]);
    assert.deepEqual(items[5]!.body.parts, [{ type: "json", summary: '{"ok":true}', raw_payload_id: ref }]);
    assert.equal(items[6]!.channel, "summary");
  });

  test("an unsupported model item type is an error", async () => {
    const b = newBundle();
    b.rootThread();
    b.turnStarted();
    b.inferenceStarted("inf-1", { input: [{ type: "hologram" }] });
    assert.match((await reduceError(b.write())).message, /unsupported model item type "hologram"/);
  });

  test("an inference start for an unknown turn is an error", async () => {
    const b = newBundle();
    b.rootThread();
    b.inferenceStarted("inf-1", { input: [] }, "no-such-turn");
    assert.equal((await reduceError(b.write())).message, "unknown Codex turn no-such-turn");
  });
});

describe("tools and terminals", () => {
  function execCall(b: BundleBuilder, callId: string, processId: string | null, exitCode: unknown = 0): void {
    b.event(
      {
        type: "tool_call_started",
        tool_call_id: callId,
        model_visible_call_id: callId,
        code_mode_runtime_tool_id: null,
        requester: { type: "model" },
        kind: { type: "exec_command" },
        summary: { type: "generic", label: "exec_command", input_preview: "{}", output_preview: null },
        invocation_payload: null,
      },
      { thread: THREAD, turn: TURN },
    );
    b.event(
      {
        type: "tool_call_runtime_started",
        tool_call_id: callId,
        kind: { type: "exec_command" },
        runtime_payload: b.payload("tool_runtime_event", {
          call_id: callId,
          process_id: processId,
          command: ["ls", "-l"],
          cwd: "/w",
        }),
      },
      { thread: THREAD, turn: TURN },
    );
    b.event(
      {
        type: "tool_call_runtime_ended",
        tool_call_id: callId,
        status: "completed",
        runtime_payload: b.payload("tool_runtime_event", {
          call_id: callId,
          process_id: processId,
          aggregated_output: "out",
          exit_code: exitCode,
          stdout: "ignored",
        }),
      },
      { thread: THREAD, turn: TURN },
    );
  }

  test("an exec with a process id makes a terminal session named after its operation", async () => {
    const b = newBundle();
    b.rootThread();
    b.turnStarted();
    execCall(b, "call-1", "4242");
    b.event(
      { type: "tool_call_ended", tool_call_id: "call-1", status: "completed", result_payload: null },
      { thread: THREAD, turn: TURN },
    );
    const r = await reduce(b.write());
    const op = r.state.terminal_operations.get("terminal_operation:1")!;
    assert.equal(op.terminal_id, "terminal_session:terminal_operation:1");
    assert.deepEqual(op.request, {
      type: "exec_command",
      command: ["ls", "-l"],
      display_command: "ls -l",
      cwd: "/w",
      yield_time_ms: null,
      max_output_tokens: null,
    });
    assert.deepEqual(op.result, {
      exit_code: 0,
      stdout: "out",
      stderr: "",
      formatted_output: null,
      original_token_count: null,
      chunk_id: null,
    });
    assert.deepEqual(r.state.tool_calls.get("call-1")!.summary, {
      type: "terminal",
      operation_id: op.operation_id,
    });
    assert.equal(r.state.terminal_sessions.get(op.terminal_id!)!.execution.status, "running");
  });

  test("an exec without a process id has no terminal session", async () => {
    const b = newBundle();
    b.rootThread();
    b.turnStarted();
    execCall(b, "call-1", null);
    const r = await reduce(b.write());
    assert.equal(r.state.terminal_operations.get("terminal_operation:1")!.terminal_id, null);
    assert.equal(r.state.terminal_sessions.size, 0);
  });

  test("an exec end without an integer exit_code is an error", async () => {
    const b = newBundle();
    b.rootThread();
    b.turnStarted();
    execCall(b, "call-1", "1", null);
    assert.equal((await reduceError(b.write())).message, "parse exec terminal response raw_payload:3");
  });

  test("write_stdin joins the exec's session through stdin_target_resolved", async () => {
    const b = newBundle();
    b.rootThread();
    b.turnStarted();
    execCall(b, "exec-1", "77");
    b.event(
      {
        type: "tool_call_started",
        tool_call_id: "stdin-1",
        model_visible_call_id: "stdin-1",
        code_mode_runtime_tool_id: null,
        requester: { type: "model" },
        kind: { type: "write_stdin" },
        summary: { type: "generic", label: "write_stdin", input_preview: null, output_preview: null },
        invocation_payload: null,
      },
      { thread: THREAD, turn: TURN },
    );
    b.event(
      { type: "stdin_target_resolved", tool_call_id: "stdin-1", exec_tool_call_id: "exec-1" },
      { thread: THREAD, turn: TURN },
    );
    b.event(
      {
        type: "tool_call_runtime_started",
        tool_call_id: "stdin-1",
        kind: { type: "write_stdin" },
        runtime_payload: b.payload("tool_runtime_event", { process_id: "77", stdin: "y\n" }),
      },
      { thread: THREAD, turn: TURN },
    );
    b.event({ type: "mcp_tool_call_correlation_assigned", tool_call_id: "stdin-1", mcp_call_id: "mcp-1" });
    const r = await reduce(b.write());
    const session = r.state.terminal_sessions.get("terminal_session:terminal_operation:1")!;
    assert.deepEqual(session.operation_ids, ["terminal_operation:1", "terminal_operation:2"]);
    const op2 = r.state.terminal_operations.get("terminal_operation:2")!;
    assert.equal(op2.kind, "write_stdin");
    assert.deepEqual(op2.request, {
      type: "write_stdin",
      stdin: "y\n",
      yield_time_ms: null,
      max_output_tokens: null,
    });
    assert.equal(r.state.tool_calls.get("stdin-1")!.mcp_call_id, "mcp-1");
  });

  test("stdin_target_resolved with an unknown exec call is an error", async () => {
    const b = newBundle();
    b.rootThread();
    b.turnStarted();
    execCall(b, "exec-1", "77");
    b.event({ type: "stdin_target_resolved", tool_call_id: "exec-1", exec_tool_call_id: "ghost" });
    assert.equal((await reduceError(b.write())).message, "stdin target referenced unknown exec ghost");
  });

  test("a second tool call for the same model-visible call id is an error", async () => {
    const b = newBundle();
    b.rootThread();
    b.turnStarted();
    execCall(b, "call-1", null);
    const started = {
      type: "tool_call_started",
      tool_call_id: "call-2",
      model_visible_call_id: "call-1",
      code_mode_runtime_tool_id: null,
      requester: { type: "model" },
      kind: { type: "apply_patch" },
      summary: { type: "generic", label: "apply_patch", input_preview: null, output_preview: null },
      invocation_payload: null,
    };
    b.event(started, { thread: THREAD, turn: TURN });
    assert.match((await reduceError(b.write())).message, /reuses model-visible call id call-1/);
  });

  test("tool call start without thread or turn context is an error", async () => {
    const b = newBundle();
    b.rootThread();
    b.event({
      type: "tool_call_started",
      tool_call_id: "c",
      model_visible_call_id: null,
      code_mode_runtime_tool_id: null,
      requester: { type: "model" },
      kind: { type: "other", name: "x" },
      summary: { type: "generic", label: "x", input_preview: null, output_preview: null },
      invocation_payload: null,
    });
    assert.equal(
      (await reduceError(b.write())).message,
      "tool call start did not include thread or Codex turn context",
    );
  });
});

describe("code cells, compactions, agents, threads", () => {
  test("a code cell waits for its custom_tool_call item, then records its responses", async () => {
    const b = newBundle();
    b.rootThread();
    b.turnStarted();
    b.event(
      { type: "code_cell_started", runtime_cell_id: "rc-1", model_visible_call_id: "cc-1", source_js: "1+1" },
      { thread: THREAD, turn: TURN },
    );
    b.inferenceStarted("inf-1", { input: [] });
    b.inferenceCompleted("inf-1", "resp-1", "req-1", [
      { type: "custom_tool_call", id: "ctc_1", name: "exec", call_id: "cc-1", input: "1+1" },
    ]);
    b.event(
      {
        type: "code_cell_initial_response",
        runtime_cell_id: "rc-1",
        status: "yielded",
        response_payload: null,
      },
      { thread: THREAD, turn: TURN },
    );
    b.event(
      {
        type: "code_cell_ended",
        runtime_cell_id: "rc-1",
        status: "completed",
        response_payload: b.payload("tool_result", { value: 2 }),
      },
      { thread: THREAD, turn: TURN },
    );
    const r = await reduce(b.write());
    const cell = r.state.code_cells.get("code_cell:cc-1")!;
    assert.equal(cell.source_item_id, "conversation_item:1");
    assert.equal(cell.runtime_cell_id, "rc-1");
    assert.equal(cell.initial_response_status, "yielded");
    assert.equal(cell.yielded_seq, cell.initial_response_seq);
    assert.equal(cell.runtime_status, "completed");
    assert.equal(cell.execution.status, "completed");
    assert.equal(cell.raw_result_payload_id, "raw_payload:4");
  });

  test("a compaction installs a marker, reuses input items and makes replacement items", async () => {
    const b = newBundle();
    turnWithInference(b);
    b.event(
      {
        type: "compaction_request_started",
        compaction_id: "cmp-1",
        compaction_request_id: "cr-1",
        thread_id: THREAD,
        codex_turn_id: TURN,
        model: "m",
        provider_name: "p",
        request_payload: b.payload("compaction_request", { input: [] }),
      },
      { thread: THREAD, turn: TURN },
    );
    b.event(
      {
        type: "compaction_request_completed",
        compaction_id: "cmp-1",
        compaction_request_id: "cr-1",
        response_payload: b.payload("compaction_response", {}),
      },
      { thread: THREAD, turn: TURN },
    );
    b.event(
      {
        type: "compaction_installed",
        compaction_id: "cmp-1",
        checkpoint_payload: b.payload("compaction_checkpoint", {
          input_history: [userMessage("msg_user", "hi")],
          replacement_history: [{ type: "compaction", encrypted_content: "summary" }],
        }),
      },
      { thread: THREAD, turn: TURN },
    );
    const r = await reduce(b.write());
    const c = r.state.compactions.get("cmp-1")!;
    assert.deepEqual(c.request_ids, ["cr-1"]);
    assert.deepEqual(c.input_item_ids, ["conversation_item:1"]);
    assert.equal(r.state.conversation_items.get(c.marker_item_id)!.kind, "compaction_marker");
    assert.deepEqual(r.state.conversation_items.get(c.replacement_item_ids[0]!)!.produced_by, [
      { type: "compaction", compaction_id: "cmp-1" },
    ]);
    assert.equal(r.state.compaction_requests.get("cr-1")!.execution.status, "completed");
  });

  test("a spawned thread gets a spawned origin and a spawn edge; an agent result makes an edge", async () => {
    const b = newBundle();
    b.rootThread();
    const child = "child-thread";
    b.event({
      type: "thread_started",
      thread_id: child,
      agent_path: "/root/x",
      metadata_payload: b.payload("session_metadata", {
        session_source: {
          subagent: {
            thread_spawn: {
              parent_thread_id: THREAD,
              agent_path: "/root/search",
              task_name: "search",
              agent_role: "worker",
            },
          },
        },
        nickname: "Scout",
      }),
    });
    b.event({
      type: "agent_result_observed",
      edge_id: `edge:agent_result:${child}:t:${THREAD}`,
      child_thread_id: child,
      child_codex_turn_id: "t",
      parent_thread_id: THREAD,
      message: "done",
      carried_payload: b.payload("agent_result", { message: "done" }),
    });
    const r = await reduce(b.write());
    const t = r.state.threads.get(child)!;
    assert.equal(t.agent_path, "/root/search");
    assert.equal(t.nickname, "Scout");
    assert.deepEqual(t.origin, {
      type: "spawned",
      parent_thread_id: THREAD,
      spawn_edge_id: `edge:spawn:${THREAD}:${child}`,
      task_name: "search",
      agent_role: "worker",
    });
    assert.equal(r.state.interaction_edges.get(`edge:spawn:${THREAD}:${child}`)!.kind, "spawn_agent");
    assert.deepEqual(
      r.state.interaction_edges.get(`edge:agent_result:${child}:t:${THREAD}`)!.carried_raw_payload_ids,
      ["raw_payload:3"],
    );
  });

  test("thread_resumed reopens an ended thread and rejects unknown or running ones", async () => {
    const b = newBundle();
    b.rootThread();
    b.event({ type: "thread_ended", thread_id: THREAD, status: "completed" });
    b.event({ type: "thread_resumed", thread_id: THREAD });
    const t = (await reduce(b.write())).state.threads.get(THREAD)!;
    assert.deepEqual([t.execution.status, t.execution.ended_seq], ["running", null]);

    const c = newBundle();
    c.event({ type: "thread_resumed", thread_id: "ghost" });
    assert.match(
      (await reduceError(c.write())).message,
      /^cannot resume thread ghost: it was not started in this trace/,
    );
    const d = newBundle();
    d.rootThread();
    d.event({ type: "thread_resumed", thread_id: THREAD });
    assert.equal((await reduceError(d.write())).message, `resumed thread ${THREAD} has not ended`);
  });
});

test("reducing the same bundle twice gives byte-identical state.json", async () => {
  const b = newBundle();
  turnWithInference(b);
  b.inferenceCompleted("inf-1", "resp-1", "req-1", [assistantMessage("msg_a1", "answer")]);
  b.accepted("msg_a1");
  b.event(
    { type: "codex_turn_ended", codex_turn_id: TURN, status: "completed" },
    { thread: THREAD, turn: TURN },
  );
  b.event({ type: "thread_ended", thread_id: THREAD, status: "completed" });
  b.event({ type: "rollout_ended", status: "completed" });
  b.event({ type: "recording_completed" });
  const dir = b.write();
  const first = stateJson((await reduce(dir)).state);
  const second = stateJson((await reduce(dir)).state);
  assert.equal(first, second);
  assert.ok(!first.endsWith("\n"));
});
