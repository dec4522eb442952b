import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import {
  GenAiSpanNameProcessor,
  agentSpanAttributes,
  genAiSpanName,
  toolSpanAttributes,
} from "./genai-attributes.js";

test("toolSpanAttributes gives the execute_tool attributes, with a description only when there is one", () => {
  assert.deepEqual(toolSpanAttributes({ name: "shell", callId: "call_1", type: "function" }), {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": "shell",
    "gen_ai.tool.call.id": "call_1",
    "gen_ai.tool.type": "function",
  });
  assert.equal(
    toolSpanAttributes({
      name: "mcp__docs__search",
      callId: "c",
      type: "extension",
      description: "Search docs",
    })["gen_ai.tool.description"],
    "Search docs",
  );
  assert.ok(
    !(
      "gen_ai.tool.description" in
      toolSpanAttributes({ name: "x", callId: "c", type: "function", description: "" })
    ),
  );
});

test("agentSpanAttributes gives the invoke_agent attributes; agent id only when given", () => {
  assert.deepEqual(agentSpanAttributes({ threadId: "thr_1", agentName: "spool" }), {
    "gen_ai.operation.name": "invoke_agent",
    "gen_ai.agent.name": "spool",
    "gen_ai.conversation.id": "thr_1",
  });
  assert.equal(
    agentSpanAttributes({ threadId: "thr_2", agentName: "reviewer", agentId: "agent_7" })["gen_ai.agent.id"],
    "agent_7",
  );
});

test("genAiSpanName follows the conventions' `{operation} {subject}` and ignores other spans", () => {
  assert.equal(
    genAiSpanName({ "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-5" }),
    "chat gpt-5",
  );
  assert.equal(
    genAiSpanName(toolSpanAttributes({ name: "shell", callId: "c", type: "function" })),
    "execute_tool shell",
  );
  assert.equal(
    genAiSpanName(agentSpanAttributes({ threadId: "t", agentName: "spool" })),
    "invoke_agent spool",
  );
  assert.equal(genAiSpanName({ "gen_ai.operation.name": "chat" }), "chat");
  assert.equal(genAiSpanName({ "rpc.method": "model/list" }), undefined);
});

test("GenAiSpanNameProcessor renames GenAI spans at start and leaves every other span and attribute alone", async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new GenAiSpanNameProcessor(), new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer("t");
  const attrs = {
    ...toolSpanAttributes({ name: "shell", callId: "call_9", type: "function" }),
    tool_name: "shell",
  };
  tracer.startSpan("handle_tool_call", { attributes: attrs }).end();
  tracer.startSpan("model/list", { attributes: { "rpc.method": "model/list" } }).end();
  await provider.forceFlush();
  const [tool, other] = exporter.getFinishedSpans();
  assert.equal(tool!.name, "execute_tool shell");
  assert.deepEqual(tool!.attributes, attrs);
  assert.equal(other!.name, "model/list");
  await provider.shutdown();
});
