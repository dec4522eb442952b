import { after, test } from "node:test";
import assert from "node:assert/strict";
import { killSpawned } from "./support/spawned-servers.js";
import { handshake, runTurn, schemaProblems, startCoreSession } from "./support/core-server.js";
import {
  TUI_VERSIONS,
  codexTuiBin,
  notificationsOf,
  requireTmux,
  startTuiSession,
} from "./codex-tui-harness.js";

// The TUI registers its own tools on thread/start (`dynamicTools`, namespace `codex_tui`, all
// deferred); when the model calls one, Spool asks the TUI with `item/tool/call`, the TUI runs it
// (it reads Spool's thread list) and Spool hands its answer to the model.

after(killSpawned);

const PROMPT = "List my Spool tasks";
const ANSWER = "Here are your tasks";

for (const tui of TUI_VERSIONS) {
  test(`the Codex TUI ${tui.version} runs its own tool when the model calls it: item/tool/call, a dynamicToolCall item, the answer fed back`, async () => {
    requireTmux();
    const session = await startTuiSession(
      codexTuiBin(tui),
      {
        responses: [
          {
            label: "title",
            when_input_contains: "task title",
            output: [{ type: "message", text: JSON.stringify({ title: "List tasks" }) }],
          },
          {
            label: "call",
            when_input_contains: PROMPT,
            output: [
              {
                type: "function_call",
                namespace: "codex_tui",
                name: "list_threads",
                arguments: { limit: 5 },
              },
            ],
          },
          { label: "answer", when_input_contains: PROMPT, output: [{ type: "message", text: ANSWER }] },
        ],
      },
      ["--ask-for-approval", "never"],
    );
    try {
      await session.prompt(PROMPT);
      const threadId = (notificationsOf(session.frames, "thread/started")[0]!.thread as { id: string }).id;
      const pane = await session.waitForPane((p) => p.includes(ANSWER) && /Worked for/.test(p), "the answer");
      assert.match(pane, /codex_tui\.list_threads/, "the pane shows the TUI's tool call");
      assert.equal(await session.quit(), "0", "the TUI exits 0 after /quit");
      assert.deepEqual(session.failedRequests(), []);

      // Spool asked the TUI once, and the TUI answered with its own thread list (it read Spool's).
      const asks = session.frames.filter(
        (f) => f.dir === "server->client" && f.msg.method === "item/tool/call",
      );
      assert.equal(asks.length, 1);
      assert.deepEqual(asks[0]!.msg.params, {
        threadId,
        turnId: (asks[0]!.msg.params as { turnId: string }).turnId,
        callId: "call_1_0",
        namespace: "codex_tui",
        tool: "list_threads",
        arguments: { limit: 5 },
      });
      const reply = session.frames.find(
        (f) => f.dir === "client->server" && f.msg.id === asks[0]!.msg.id && f.msg.method === undefined,
      );
      const result = reply?.msg.result as {
        success: boolean;
        contentItems: { type: string; text: string }[];
      };
      assert.equal(result.success, true);
      assert.match(result.contentItems[0]!.text, new RegExp(threadId));
      assert.equal(notificationsOf(session.frames, "serverRequest/resolved").length, 1);

      const done = notificationsOf(session.frames, "item/completed")
        .map((n) => n.item as Record<string, unknown>)
        .find((i) => i.type === "dynamicToolCall");
      assert.equal(done?.status, "completed");
      assert.deepEqual(done?.contentItems, result.contentItems);

      // The model got the TUI's answer as the call's output; the deferred tools were not offered.
      const requests = session.modelRequests();
      const answerBody = requests.find((r) => r.label === "answer")!.body as {
        input: Record<string, unknown>[];
      };
      const output = answerBody.input.find(
        (i) => i.type === "function_call_output" && i.call_id === "call_1_0",
      );
      assert.equal(output?.output, result.contentItems[0]!.text);
      const callBody = requests.find((r) => r.label === "call")!.body as { tools: { type: string }[] };
      assert.ok(!callBody.tools.some((t) => t.type === "namespace"), "deferred tools are not offered");
    } finally {
      await session.close();
    }
  });
}

test("a client's non-deferred dynamic tools are offered to the model; a call is asked with item/tool/call and a bad answer fails it", async () => {
  const s = await startCoreSession({
    script: {
      responses: [
        {
          output: [
            { type: "function_call", name: "lookup_order", arguments: { id: "A1" }, call_id: "c1" },
            {
              type: "function_call",
              namespace: "shop",
              name: "stock",
              arguments: { sku: "S" },
              call_id: "c2",
            },
          ],
        },
        { output: [{ type: "message", text: "done: {{function_call_output}}" }] },
      ],
    },
    onServerRequest: (method, params) =>
      method !== "item/tool/call"
        ? {}
        : params.tool === "lookup_order"
          ? { contentItems: [{ type: "inputText", text: "order A1 shipped" }], success: true }
          : { nonsense: true },
  });
  try {
    await handshake(s, { experimentalApi: true });
    const inputSchema = { type: "object", properties: { id: { type: "string" } }, required: ["id"] };
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {
      dynamicTools: [
        { type: "function", name: "lookup_order", description: "Look up an order", inputSchema },
        { name: "hidden", description: "deferred", inputSchema, deferLoading: true },
        {
          type: "namespace",
          name: "shop",
          description: "Shop tools",
          tools: [{ type: "function", name: "stock", description: "Stock of a SKU", inputSchema }],
        },
      ],
    });
    await runTurn(s, thread.id, "check order");
    const first = s.model.requests[0]!.body as { tools: Record<string, unknown>[] };
    const dynamic = first.tools.filter((t) => t.name === "lookup_order" || t.type === "namespace");
    assert.deepEqual(dynamic, [
      {
        type: "function",
        name: "lookup_order",
        description: "Look up an order",
        strict: false,
        parameters: inputSchema,
      },
      {
        type: "namespace",
        name: "shop",
        description: "Shop tools",
        tools: [
          {
            type: "function",
            name: "stock",
            description: "Stock of a SKU",
            strict: false,
            parameters: inputSchema,
          },
        ],
      },
    ]);
    assert.ok(!first.tools.some((t) => t.name === "hidden"), "a deferred tool is not offered");

    const asked = s.serverRequests.filter((r) => r.method === "item/tool/call").map((r) => r.params);
    assert.deepEqual(
      asked.map((p) => [p.namespace, p.tool, p.arguments]),
      [
        [null, "lookup_order", { id: "A1" }],
        ["shop", "stock", { sku: "S" }],
      ],
    );
    const items = s.notifications
      .filter((n) => n.method === "item/completed")
      .map((n) => n.params.item as Record<string, unknown>)
      .filter((i) => i.type === "dynamicToolCall");
    assert.deepEqual(
      items.map((i) => [i.tool, i.status, i.success]),
      [
        ["lookup_order", "completed", true],
        ["stock", "failed", false],
      ],
    );
    const second = s.model.requests[1]!.body as { input: Record<string, unknown>[] };
    const outputs = second.input
      .filter((i) => i.type === "function_call_output")
      .map((i) => [i.call_id, i.output]);
    assert.deepEqual(outputs, [
      ["c1", "order A1 shipped"],
      ["c2", "the client's answer was not a DynamicToolCallResponse"],
    ]);
    assert.equal(s.notifications.filter((n) => n.method === "serverRequest/resolved").length, 2);
    assert.deepEqual(schemaProblems(s.frames), []);
  } finally {
    await s.stop();
    await s.model.close();
  }
});
