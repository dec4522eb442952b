// Compaction over a spawned `spool app-server` and the scripted model: manual local compaction
// (Codex 0.169 with a non-OpenAI provider), remote compaction (provider named `OpenAI`) and
// auto-compaction inside a turn, read back from notifications, model requests, spans, the
// history file (after a restart) and the rollout bundle, reduced by Spool and by Codex 0.169.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SERVER_NOTIFICATIONS } from "../src/protocol/index.js";
import { reduceBundle, stateJson, type RolloutTraceState } from "../src/rollout-trace/index.js";
import type { ModelScriptInput } from "../src/model-server/index.js";
import type { ReceivedSpan } from "../src/otlp-receiver/index.js";
import { killSpawned } from "./support/spawned-servers.js";
import { CODEX_0169_BIN, codexReduce } from "./support/codex-reducer.js";
import {
  ancestry,
  bundleOf,
  handshake,
  runTurn,
  startCoreSession,
  startOtlpReceiver,
  type CoreSession,
  type CoreSessionOptions,
  type Notification,
} from "./support/core-server.js";

after(killSpawned);

const SUMMARY_PREFIX =
  "Another language model started to solve this problem and produced a summary of its thinking process.";

type Input = Record<string, unknown>[];

function inputOf(s: CoreSession, n: number): Input {
  return (s.model.requests[n]!.body as { input: Input }).input;
}

function textOf(item: Record<string, unknown>): string {
  const content = item.content as { text?: string }[] | undefined;
  return (content ?? []).map((c) => c.text ?? "").join("");
}

function assertNotificationsValid(s: CoreSession): void {
  for (const n of s.notifications) {
    const schema = (
      SERVER_NOTIFICATIONS as Record<string, { safeParse(v: unknown): { success: boolean; error?: unknown } }>
    )[n.method];
    assert.ok(schema, `no schema for ${n.method}`);
    const r = schema.safeParse(n.params);
    assert.ok(r.success, `${n.method}: ${String(r.error)}`);
  }
}

async function reduce(bundle: string): Promise<RolloutTraceState> {
  const r = await reduceBundle(bundle);
  return JSON.parse(stateJson(r.state)) as RolloutTraceState;
}

function traceEvents(bundle: string): { payload: Record<string, unknown>; codex_turn_id: string | null }[] {
  return readFileSync(join(bundle, "trace.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { payload: Record<string, unknown>; codex_turn_id: string | null });
}

/** The notifications of one turn, in order, by method (items by `method:type`). */
function turnStream(s: CoreSession, turnId: string): string[] {
  return s.notifications
    .filter(
      (n) => n.params.turnId === turnId || (n.params.turn as { id?: string } | undefined)?.id === turnId,
    )
    .map((n) => (n.params.item ? `${n.method}:${(n.params.item as { type: string }).type}` : n.method));
}

interface Session {
  s: CoreSession;
  threadId: string;
  /** Every span exported, once one named `name` is among them. */
  spans: (name: string) => Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

async function session(script: ModelScriptInput, options: CoreSessionOptions = {}): Promise<Session> {
  const receiver = await startOtlpReceiver();
  const s = await startCoreSession({ script, receiver, ...options });
  await handshake(s);
  const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {
    approvalPolicy: "never",
    sandbox: "danger-full-access",
  });
  return {
    s,
    threadId: thread.id,
    spans: (name) => receiver.waitForSpans((all) => all.some((x) => x.name === name), 10_000),
    async close() {
      await s.model.close();
      await receiver.close();
    },
  };
}

/** `thread/compact/start`, then the compaction turn's `turn/completed`. */
async function compact(s: CoreSession, threadId: string): Promise<Notification> {
  const before = new Set(s.notifications.filter((n) => n.method === "turn/started"));
  assert.deepEqual(await s.rpc.request("thread/compact/start", { threadId }), {});
  const started = await s.waitFor((n) => n.method === "turn/started" && !before.has(n));
  const id = (started.params.turn as { id: string }).id;
  return s.waitFor((n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id === id);
}

test("manual local compaction: Codex's prompt, the summary kept, the next request shortened; survives a restart", async () => {
  const env = await session({
    responses: [
      { output: [{ type: "message", text: "first answer" }] },
      { output: [{ type: "message", text: "SUMMARY: the user said hello." }] },
      { output: [{ type: "message", text: "after compaction" }] },
      { output: [{ type: "message", text: "after restart" }] },
    ],
  });
  const { s, threadId } = env;
  try {
    await runTurn(s, threadId, "first prompt");
    const done = await compact(s, threadId);
    const turn = done.params.turn as { id: string; status: string };
    assert.equal(turn.status, "completed");
    assert.deepEqual(turnStream(s, turn.id), [
      "turn/started",
      "item/started:contextCompaction",
      "thread/tokenUsage/updated",
      "item/completed:contextCompaction",
      "thread/compacted",
      "turn/completed",
    ]);
    const started = s.notifications.find(
      (n) => n.method === "item/started" && (n.params.item as { type: string }).type === "contextCompaction",
    )!;
    const completed = s.notifications.find(
      (n) =>
        n.method === "item/completed" && (n.params.item as { type: string }).type === "contextCompaction",
    )!;
    assert.equal((started.params.item as { id: string }).id, (completed.params.item as { id: string }).id);

    // The compaction request: the whole history, then Codex's prompt; no tools.
    const req = s.model.requests[1]!.body as { input: Input; tools: unknown[] };
    assert.deepEqual(req.tools, []);
    const last = req.input.at(-1)!;
    assert.equal(last.role, "user");
    assert.match(textOf(last), /^You are performing a CONTEXT CHECKPOINT COMPACTION\./);
    assert.ok(
      req.input.some((i) => textOf(i) === "first answer"),
      "the history was sent",
    );

    // The next request: fresh context, the user's words (same item), the summary, the new prompt.
    await runTurn(s, threadId, "second prompt");
    const first = inputOf(s, 0);
    const after = inputOf(s, 2);
    assert.ok(!after.some((i) => textOf(i) === "first answer"), "the old answer is gone");
    const firstUser = first.find((i) => textOf(i) === "first prompt")!;
    const keptUser = after.find((i) => textOf(i) === "first prompt")!;
    assert.equal(keptUser.id, firstUser.id);
    const summary = after.find((i) => textOf(i).startsWith(SUMMARY_PREFIX))!;
    assert.ok(textOf(summary).endsWith(":\nSUMMARY: the user said hello."));
    assert.deepEqual(
      after.map((i) => (textOf(i).startsWith("<environment_context>") ? "env" : textOf(i).slice(0, 12))),
      [textOf(after[0]!).slice(0, 12), "env", "first prompt", SUMMARY_PREFIX.slice(0, 12), "second promp"],
    );
    assertNotificationsValid(s);

    // thread/read keeps the compaction turn with its item.
    const read = await s.rpc.request<{ thread: { turns: { id: string; items: { type: string }[] }[] } }>(
      "thread/read",
      { threadId, includeTurns: true },
    );
    const compactTurn = read.thread.turns.find((t) => t.id === turn.id)!;
    assert.deepEqual(
      compactTurn.items.map((i) => i.type),
      ["contextCompaction"],
    );

    // Spans: request → dispatch → codex.compaction → session_task.compact → run_compact_task.
    const spans = await env.spans("session_task.compact");
    const task = spans.find((x) => x.name === "session_task.compact")!;
    assert.equal(task.attributes["turn.id"], turn.id);
    const chain = ancestry(spans, task).map((x) => x.name);
    assert.deepEqual(chain.slice(1, 4), ["codex.compaction", "op.dispatch.compact", "thread/compact/start"]);
    const run = spans.find((x) => x.name === "run_compact_task")!;
    assert.ok(ancestry(spans, run).includes(task));
    assert.equal(run.attributes["codex.compaction.type"], "local");
    assert.equal(run.attributes["codex.compaction.trigger"], "manual");
    assert.equal(run.attributes["codex.compaction.replacement_items"], 3);
    assert.ok(
      spans.some((x) => x.name === "model_client.stream_responses_api" && ancestry(spans, x).includes(run)),
    );

    assert.equal(await s.stop(), 0, s.server.stderr());
    // Rollout: as Codex 0.169 records a local compaction, no inference or compaction events for
    // the summary request; the summary message is accepted in the compaction turn.
    const bundle = bundleOf(s.traceRoot, threadId);
    const events = traceEvents(bundle);
    const compactEvents = events.filter((e) => e.codex_turn_id === turn.id).map((e) => e.payload.type);
    assert.deepEqual(compactEvents, ["codex_turn_started", "history_item_accepted", "codex_turn_ended"]);
    const state = await reduce(bundle);
    assert.deepEqual(state.compactions, {});
    assert.equal(Object.keys(state.inference_calls).length, 2);
    if (CODEX_0169_BIN) {
      // Codex's reducer makes the same state of the same bundle.
      assert.deepEqual(await codexReduce(bundle), state);
    }
    // Restart: the history file starts from the replacement.
    const s2 = await startCoreSession({ model: s.model, home: s.home, traceRoot: s.traceRoot });
    try {
      await handshake(s2);
      await s2.rpc.request("thread/resume", { threadId });
      await runTurn(s2, threadId, "third prompt");
      const resumed = inputOf(s2, 3).map(textOf);
      assert.ok(!resumed.includes("first answer"));
      assert.ok(resumed.some((t) => t.startsWith(SUMMARY_PREFIX)));
      assert.deepEqual(resumed.slice(-3), ["second prompt", "after compaction", "third prompt"]);
      assert.equal(await s2.stop(), 0, s2.server.stderr());
    } finally {
      s2.server.child.kill();
    }
  } finally {
    s.server.child.kill();
    await env.close();
  }
});

test("remote compaction with an OpenAI provider: compaction_trigger, one compaction item carried forward, recorded as a compaction", async () => {
  const env = await session(
    {
      responses: [
        { output: [{ type: "message", text: "first answer" }] },
        { output: [{ type: "compaction", encrypted_content: "OPAQUE-SUMMARY" }] },
        { output: [{ type: "message", text: "after compaction" }] },
      ],
    },
    { provider: { name: "OpenAI" } },
  );
  const { s, threadId } = env;
  try {
    await runTurn(s, threadId, "first prompt");
    const done = await compact(s, threadId);
    const turn = done.params.turn as { id: string; status: string };
    assert.equal(turn.status, "completed");
    await runTurn(s, threadId, "second prompt");

    const req = inputOf(s, 1);
    assert.deepEqual(req.at(-1), { type: "compaction_trigger" });
    assert.ok(req.some((i) => textOf(i) === "first answer"));
    const after = inputOf(s, 2);
    assert.ok(!after.some((i) => textOf(i) === "first answer"));
    const carried = after.filter((i) => i.type === "compaction");
    assert.equal(carried.length, 1);
    assert.equal(carried[0]!.encrypted_content, "OPAQUE-SUMMARY");
    assert.equal(textOf(after.at(-1)!), "second prompt");
    assertNotificationsValid(s);

    const spans = await env.spans("run_remote_compact_task");
    const run = spans.find((x) => x.name === "run_remote_compact_task")!;
    assert.equal(run.attributes["codex.compaction.type"], "remote");
    assert.equal(run.attributes["turn.id"], turn.id);
    assert.equal(await s.stop(), 0, s.server.stderr());

    const bundle = bundleOf(s.traceRoot, threadId);
    const events = traceEvents(bundle);
    const compactEvents = events.filter((e) => e.codex_turn_id === turn.id).map((e) => e.payload.type);
    assert.deepEqual(compactEvents, [
      "codex_turn_started",
      "compaction_request_started",
      "compaction_request_completed",
      "compaction_installed",
      "codex_turn_ended",
    ]);
    const started = events.find((e) => e.payload.type === "compaction_request_started")!.payload;
    assert.equal(started.provider_name, "OpenAI");
    assert.equal(started.model, "scripted-model");
    assert.equal(events.filter((e) => e.payload.type === "inference_started").length, 2);

    const state = await reduce(bundle);
    const compactions = Object.values(state.compactions);
    assert.equal(compactions.length, 1);
    const c = compactions[0]!;
    assert.equal(c.codex_turn_id, turn.id);
    assert.equal(c.request_ids.length, 1);
    const request = state.compaction_requests[c.request_ids[0]!]!;
    assert.equal(request.execution.status, "completed");
    assert.equal(state.conversation_items[c.marker_item_id]!.kind, "compaction_marker");
    const replacementKinds = c.replacement_item_ids.map((id) => state.conversation_items[id]!.kind);
    assert.equal(replacementKinds.at(-1), "message");
    if (CODEX_0169_BIN) {
      // Codex's reducer makes the same state of the same bundle.
      assert.deepEqual(await codexReduce(bundle), state);
    }
  } finally {
    s.server.child.kill();
    await env.close();
  }
});

test("auto-compaction inside a turn once the context passes model_auto_compact_token_limit", async () => {
  const env = await session(
    {
      responses: [
        {
          output: [
            {
              type: "function_call",
              name: "exec_command",
              call_id: "call_big",
              arguments: { cmd: "head -c 8000 /dev/zero | tr '\\0' x" },
            },
          ],
        },
        { output: [{ type: "message", text: "SUMMARY: printed 8000 x." }] },
        { output: [{ type: "message", text: "done after compaction" }] },
      ],
    },
    { config: ["model_auto_compact_token_limit=1500"] },
  );
  const { s, threadId } = env;
  try {
    const { turnId, completed } = await runTurn(s, threadId, "print a lot");
    assert.equal((completed.params.turn as { status: string }).status, "completed");
    const stream = turnStream(s, turnId).filter(
      (m) => m.startsWith("item/completed") || m === "thread/compacted",
    );
    assert.deepEqual(stream, [
      "item/completed:userMessage",
      "item/completed:commandExecution",
      "item/completed:contextCompaction",
      "thread/compacted",
      "item/completed:agentMessage",
    ]);
    assert.equal(s.model.requests.length, 3);
    assert.match(textOf(inputOf(s, 1).at(-1)!), /^You are performing a CONTEXT CHECKPOINT COMPACTION\./);
    const after = inputOf(s, 2);
    assert.ok(!after.some((i) => i.type === "function_call_output"), "the big output was compacted away");
    assert.ok(after.some((i) => textOf(i).endsWith("SUMMARY: printed 8000 x.")));
    assert.ok(after.some((i) => textOf(i) === "print a lot"));
    assertNotificationsValid(s);
    assert.equal(await s.stop(), 0, s.server.stderr());

    // Auto compaction runs inside the regular turn, after the tool call's sampling request.
    const spans = await env.spans("run_auto_compact");
    const auto = spans.find((x) => x.name === "run_auto_compact")!;
    assert.equal(auto.attributes["codex.compaction.limit"], 1500);
    assert.ok((auto.attributes["codex.compaction.tokens"] as number) >= 1500);
    const chain = ancestry(spans, auto).map((x) => x.name);
    assert.ok(chain.includes("run_turn") && chain.includes("session_task.turn"), chain.join(" < "));
    assert.ok(!spans.some((x) => x.name === "session_task.compact"));
    const run = spans.find((x) => x.parentSpanId === auto.spanId)!;
    assert.equal(run.name, "run_compact_task");
    assert.equal(run.attributes["codex.compaction.trigger"], "auto");
  } finally {
    s.server.child.kill();
    await env.close();
  }
});
