import { test } from "node:test";
import assert from "node:assert/strict";
import { buildRequestBody, buildWebSocketCreate, userMessage } from "./request.js";

test("a minimal request gets Codex's defaults and no optional fields", () => {
  assert.deepEqual(buildRequestBody({ model: "m", input: [userMessage("x")] }), {
    model: "m",
    input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "x" }] }],
    tools: [],
    tool_choice: "auto",
    parallel_tool_calls: false,
    reasoning: null,
    store: false,
    stream: true,
    include: [],
  });
});

test("the WebSocket message drops stream and marks a warm-up with generate:false", () => {
  const body = buildRequestBody({ model: "m", input: [], previousResponseId: "resp_1" });
  const msg = buildWebSocketCreate(body, { generate: false });
  assert.equal(msg.type, "response.create");
  assert.equal(msg.generate, false);
  assert.equal(msg.previous_response_id, "resp_1");
  assert.equal("stream" in msg, false);
  assert.equal("generate" in buildWebSocketCreate(body), false);
});
