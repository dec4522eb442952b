import { test } from "node:test";
import assert from "node:assert/strict";
import { MalformedEventError, parseServerEvent, serverErrorOf } from "./wire-events.js";

test("known events parse to typed events; unknown types are skipped", () => {
  const ev = parseServerEvent(
    JSON.stringify({
      type: "response.output_text.delta",
      item_id: "m",
      output_index: 0,
      content_index: 0,
      delta: "hi",
      extra: 1,
    }),
  );
  assert.equal(ev?.type, "response.output_text.delta");
  assert.equal(parseServerEvent(JSON.stringify({ type: "response.in_progress", response: {} })), undefined);
});

test("invalid JSON names the SSE event", () => {
  assert.throws(
    () => parseServerEvent('{"type":"response.output_text.delta","delta":', "response.output_text.delta"),
    (e: unknown) =>
      e instanceof MalformedEventError &&
      e.eventType === "response.output_text.delta" &&
      /invalid JSON/.test(e.message),
  );
});

test("a known event with a wrong shape names the event and the field", () => {
  assert.throws(
    () => parseServerEvent(JSON.stringify({ type: "response.completed", response: { status: "completed" } })),
    /malformed Responses API event "response.completed": response.id/,
  );
  assert.throws(() => parseServerEvent("[]"), /missing string field `type`/);
});

test("error events are read in both the SSE and the WebSocket shape", () => {
  const sse = parseServerEvent(
    JSON.stringify({ type: "error", code: "rate_limit_exceeded", message: "slow down" }),
  )!;
  assert.deepEqual(serverErrorOf(sse), { code: "rate_limit_exceeded", message: "slow down" });
  const ws = parseServerEvent(
    JSON.stringify({
      type: "error",
      status: 429,
      error: { type: "rate_limit_exceeded", code: "rl", message: "later" },
    }),
  )!;
  assert.deepEqual(serverErrorOf(ws), { code: "rl", message: "later" });
});
