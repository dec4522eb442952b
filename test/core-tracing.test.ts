import { after, test } from "node:test";
import assert from "node:assert/strict";
import { reduceBundle } from "../src/rollout-trace/index.js";
import { killSpawned } from "./support/spawned-servers.js";
import {
  ancestry,
  bundleOf,
  handshake,
  runTurn,
  startCoreSession,
  startOtlpReceiver,
} from "./support/core-server.js";

after(killSpawned);

const TRACE = "0000000000000000000000000000a077";
const PARENT = "000000000000b088";

test("one trace runs from the client's carrier through dispatch and turn spans to the model request", async () => {
  const receiver = await startOtlpReceiver();
  const s = await startCoreSession({ receiver });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {});
    const { turnId, completed } = await runTurn(s, thread.id, "hi", {
      traceparent: `00-${TRACE}-${PARENT}-01`,
    });
    assert.equal((completed.params.turn as { status: string }).status, "completed");
    assert.equal(await s.stop(), 0);

    const spans = await receiver.waitForSpans(
      (all) => all.some((x) => x.traceId === TRACE && x.name === "responses.stream_request"),
      10_000,
    );
    const inTrace = spans.filter((x) => x.traceId === TRACE);
    const request = inTrace.find((x) => x.name === "turn/start")!;
    assert.equal(request.kind, 2);
    assert.equal(request.parentSpanId, PARENT);
    assert.equal(request.parentIsRemote, true);
    assert.equal(request.attributes["turn.id"], turnId);

    const modelSpan = inTrace.find((x) => x.name === "responses.stream_request")!;
    const chain = ancestry(inTrace, modelSpan).map((x) => x.name);
    const expected = [
      "turn/start",
      "op.dispatch.turn_input",
      "codex.turn_input",
      "session_task.turn",
      "session_task.run",
      "run_turn",
      "run_sampling_request",
      "try_run_sampling_request",
      "model_client.stream_responses_api",
      "responses.stream_request",
    ];
    assert.deepEqual([...chain].reverse(), expected);

    const dispatch = inTrace.find((x) => x.name === "op.dispatch.turn_input")!;
    assert.equal(dispatch.attributes["codex.op"], "turn_input");
    assert.equal(dispatch.attributes["submission.id"], turnId);
    const turnSpans = spans.filter((x) => x.name === "session_task.turn");
    assert.equal(turnSpans.length, 1);
    const turnSpan = turnSpans[0]!;
    assert.equal(turnSpan.attributes["turn.id"], turnId);
    assert.equal(turnSpan.attributes["thread.id"], thread.id);
    assert.equal(turnSpan.attributes.model, "scripted-model");
    assert.ok(Number(turnSpan.attributes["codex.turn.token_usage.total_tokens"]) > 0);
    // The dispatch span ends when the task is started, long before the turn ends.
    assert.ok(BigInt(dispatch.endTimeUnixNano) <= BigInt(turnSpan.endTimeUnixNano));

    // The model request carried the model span's context upstream.
    const logged = s.model.requests[0]!;
    assert.equal(logged.headers.traceparent, `00-${TRACE}-${modelSpan.spanId}-01`);

    const { state } = await reduceBundle(bundleOf(s.traceRoot, thread.id));
    const [call] = [...state.inference_calls.values()];
    assert.equal(call!.execution.status, "completed");
    assert.equal(call!.upstream_request_id, logged.x_request_id);
    assert.equal(call!.response_id, logged.response_id);
    assert.equal(state.recording_complete, true);
  } finally {
    await s.model.close();
    await receiver.close();
  }
});

test("an invalid carrier on turn/start gives one warning, a root request span, and the turn completes", async () => {
  const receiver = await startOtlpReceiver();
  const s = await startCoreSession({ receiver, env: { SPOOL_LOG: "warn" } });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {});
    const { turnId, completed } = await runTurn(s, thread.id, "hi", { traceparent: "00-nope-01" });
    assert.equal((completed.params.turn as { status: string }).status, "completed");
    assert.equal(await s.stop(), 0);
    const spans = await receiver.waitForSpans(
      (all) => all.some((x) => x.name === "session_task.turn"),
      10_000,
    );
    const request = spans.find((x) => x.name === "turn/start")!;
    assert.equal(request.parentSpanId, "");
    assert.equal(request.attributes["turn.id"], turnId);
    const turnSpan = spans.find((x) => x.name === "session_task.turn")!;
    assert.equal(turnSpan.traceId, request.traceId);
    const warnings = s.server
      .stderr()
      .split("\n")
      .filter((l) => l.includes("ignoring invalid inbound request trace carrier"));
    assert.equal(warnings.length, 1);
  } finally {
    await s.model.close();
    await receiver.close();
  }
});
