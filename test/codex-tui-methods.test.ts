import { after, test } from "node:test";
import assert from "node:assert/strict";
import { killSpawned } from "./support/spawned-servers.js";
import { handshake, runTurn, schemaProblems, startCoreSession } from "./support/core-server.js";

// What the Codex TUI sends besides prompts, over a real `spool app-server` (stdio) and the
// scripted model: thread names, a turn's outputSchema, collaboration modes and the settings
// notification, as the TUI session in codex-tui-tools.test.ts uses them.

after(killSpawned);

const SCHEMA = {
  type: "object",
  properties: { title: { type: "string", minLength: 1, maxLength: 36 } },
  required: ["title"],
  additionalProperties: false,
};

test("thread/name/set names a thread, tells its subscribers, and the name survives a restart", async () => {
  const a = await startCoreSession();
  let threadId: string;
  try {
    await handshake(a, { experimentalApi: true });
    threadId = (await a.rpc.request<{ thread: { id: string } }>("thread/start", {})).thread.id;
    await runTurn(a, threadId, "hello");
    await assert.rejects(a.rpc.request("thread/name/set", { threadId, name: "   " }), /must not be empty/);
    assert.deepEqual(await a.rpc.request("thread/name/set", { threadId, name: "  Say hello  " }), {});
    const updated = await a.waitFor((n) => n.method === "thread/name/updated");
    assert.deepEqual(updated.params, { threadId, threadName: "Say hello" });
    const read = await a.rpc.request<{ thread: { name: string | null } }>("thread/read", { threadId });
    assert.equal(read.thread.name, "Say hello");
    await assert.rejects(a.rpc.request("thread/name/set", { threadId: "nope", name: "x" }), /nope/);
    assert.deepEqual(schemaProblems(a.frames), []);
  } finally {
    await a.stop();
  }
  const b = await startCoreSession({ model: a.model, home: a.home, traceRoot: a.traceRoot });
  try {
    await handshake(b);
    const read = await b.rpc.request<{ thread: { name: string | null } }>("thread/read", { threadId });
    assert.equal(read.thread.name, "Say hello", "the name is read back from the history file");
  } finally {
    await b.stop();
    await a.model.close();
  }
});

test("a turn's outputSchema is that request's text.format only; collaborationMode is reflected in thread/settings/updated", async () => {
  const s = await startCoreSession({
    script: {
      responses: [
        { output: [{ type: "message", text: '{"title":"Greet"}' }] },
        { output: [{ type: "message", text: "plain" }] },
        { output: [{ type: "message", text: "plain again" }] },
      ],
    },
  });
  try {
    await handshake(s, { experimentalApi: true });
    const threadId = (await s.rpc.request<{ thread: { id: string } }>("thread/start", {})).thread.id;
    const mode = (m: "plan" | "default", effort: string | null) => ({
      mode: m,
      settings: { model: "scripted-model", reasoning_effort: effort, developer_instructions: null },
    });
    const turn = async (extra: Record<string, unknown>) => {
      const r = await s.rpc.request<{ turn: { id: string } }>("turn/start", {
        threadId,
        input: [{ type: "text", text: "go" }],
        ...extra,
      });
      await s.waitFor(
        (n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id === r.turn.id,
      );
    };
    await turn({ outputSchema: SCHEMA, collaborationMode: mode("default", null) });
    await turn({ collaborationMode: mode("default", null) });
    await turn({ collaborationMode: mode("plan", "medium") });

    const bodies = s.model.requests.map((r) => r.body as { text?: unknown; reasoning?: { effort?: string } });
    assert.deepEqual(bodies[0]!.text, {
      format: { type: "json_schema", strict: true, name: "codex_output_schema", schema: SCHEMA },
    });
    assert.equal(bodies[1]!.text, undefined, "the schema binds its own turn only");
    assert.equal(bodies[2]!.text, undefined);
    assert.equal(bodies[2]!.reasoning?.effort, "medium", "Plan mode's effort reaches the model");

    // One notification per change: the first turn's settings, none for the same again, then Plan.
    const settings = s.notifications
      .filter((n) => n.method === "thread/settings/updated")
      .map((n) => n.params.threadSettings as { collaborationMode: { mode: string }; effort: string | null });
    assert.deepEqual(
      settings.map((t) => [t.collaborationMode.mode, t.effort]),
      [
        ["default", null],
        ["plan", "medium"],
      ],
    );
    const warnings = s.notifications.filter((n) => n.method === "warning");
    assert.equal(warnings.length, 1, "an uncatalogued model is warned about once per thread");
    assert.match(String(warnings[0]!.params.message), /scripted-model/);
    assert.deepEqual(schemaProblems(s.frames), []);
  } finally {
    await s.stop();
    await s.model.close();
  }
});
