import { test } from "node:test";
import assert from "node:assert/strict";
import { parseModelScript, ScriptError } from "./script.js";
import { fillPlaceholders, renderResponse } from "./script-render.js";
import { parseServerEvent } from "../model-client/index.js";

test("a script error names the path of the bad key", () => {
  assert.throws(
    () => parseModelScript({ responses: [{ fault: { http_status: 200 } }] }, "s.json"),
    (e: unknown) =>
      e instanceof ScriptError && e.message.startsWith("s.json: responses.0.fault.http_status:"),
  );
  assert.throws(
    () => parseModelScript({ responses: [{ output: [{ type: "image" }] }] }),
    /responses\.0\.output\.0\.type/,
  );
});

test("a rendered response is a valid Responses API event sequence the client parses", () => {
  const script = parseModelScript({
    responses: [
      {
        output: [
          { type: "reasoning", summary: ["think"], text: "raw" },
          { type: "function_call", name: "shell", arguments: { command: ["ls"] } },
          { type: "function_call", name: "shell", arguments: '{"command":["pwd"]}' },
          { type: "message", text: "done" },
        ],
      },
    ],
  });
  const events = renderResponse(script.responses[0]!, {
    responseId: "resp_9",
    model: "m",
    requestBody: { input: [] },
    chunkChars: 3,
    seq: 9,
  });
  assert.deepEqual(
    events.map((e) => e.sequence_number),
    events.map((_, i) => i),
  );
  for (const e of events) parseServerEvent(JSON.stringify(e), e.type); // throws if malformed
  const types = events.map((e) => e.type);
  assert.equal(types[0], "response.created");
  assert.equal(types.at(-1), "response.completed");
  assert.equal(types.filter((t) => t === "response.output_item.done").length, 4);
  assert.ok(types.includes("response.reasoning_summary_text.delta"));
  assert.ok(types.includes("response.reasoning_text.delta"));
  const completed = events.at(-1) as unknown as {
    response: { output: { type: string; call_id?: string }[]; usage: { total_tokens: number } };
  };
  assert.deepEqual(
    completed.response.output.map((o) => o.type),
    ["reasoning", "function_call", "function_call", "message"],
  );
  const callIds = completed.response.output.filter((o) => o.call_id).map((o) => o.call_id);
  assert.equal(new Set(callIds).size, 2, "parallel calls get distinct call ids");
  assert.ok(completed.response.usage.total_tokens > 0);
});

test("placeholders take the last function output and the last user text", () => {
  const body = {
    input: [
      { type: "message", role: "user", content: [{ type: "input_text", text: "list files" }] },
      { type: "function_call_output", call_id: "c1", output: "old" },
      { type: "function_call_output", call_id: "c2", output: "a.txt\n" },
    ],
  };
  assert.equal(fillPlaceholders("{{input_text}} -> {{function_call_output}}", body), "list files -> a.txt");
});

test("a compaction step answers with one compaction item naming the items it replaces", () => {
  const script = parseModelScript({ responses: [{ output: [{ type: "compaction" }] }] });
  const body = {
    input: [
      { type: "message", role: "user", content: [{ type: "input_text", text: "a" }] },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "b" }] },
      { type: "compaction_trigger" },
    ],
  };
  const events = renderResponse(script.responses[0]!, {
    responseId: "resp_1",
    model: "m",
    requestBody: body,
    chunkChars: 8,
    seq: 4,
  });
  for (const e of events) parseServerEvent(JSON.stringify(e), e.type);
  const done = events.filter((e) => e.type === "response.output_item.done");
  assert.equal(done.length, 1);
  assert.deepEqual(done[0]!.item, {
    id: "cmp_4_0",
    type: "compaction",
    encrypted_content: "scripted-compaction:4:2-items",
  });
  const completed = events.at(-1)!;
  assert.equal(completed.type, "response.completed");
  assert.deepEqual((completed.response as { output: unknown[] }).output, [done[0]!.item]);
});
