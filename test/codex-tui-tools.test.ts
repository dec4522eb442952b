import { after, test } from "node:test";
import assert from "node:assert/strict";
import { killSpawned } from "./support/spawned-servers.js";
import {
  TUI_VERSIONS,
  codexTuiBin,
  notificationsOf,
  requestsOf,
  requireTmux,
  startTuiSession,
} from "./codex-tui-harness.js";

// A tool prompt in the real Codex TUI (0.169 and 0.171, unchanged): the scripted model runs one
// `exec_command`, then answers; the TUI titles the thread with a structured-output turn of its own.

after(killSpawned);

const PROMPT = "Run the Spool check";
const COMMAND = "echo spool-tui-ok | tr a-z A-Z";
const ANSWER = "The Spool check passed";
const TITLE = "Run the Spool check";
// In remote mode the TUI puts config.toml's `approval_policy` on no request (it takes the
// server's), so the flag is what makes its `thread/start` say `never`.
const NO_APPROVALS = ["--ask-for-approval", "never"];

for (const tui of TUI_VERSIONS) {
  test(`the Codex TUI ${tui.version} shows the command Spool ran, its output and the answer, then quits with exit 0`, async () => {
    requireTmux();
    const bin = codexTuiBin(tui);
    const session = await startTuiSession(
      bin,
      {
        responses: [
          // The TUI's title request quotes the prompt, so it comes first: it is the one step it matches.
          {
            label: "title",
            when_input_contains: "task title",
            output: [{ type: "message", text: JSON.stringify({ title: TITLE }) }],
          },
          {
            label: "call",
            when_input_contains: PROMPT,
            output: [{ type: "function_call", name: "exec_command", arguments: { cmd: COMMAND } }],
          },
          { label: "answer", when_input_contains: PROMPT, output: [{ type: "message", text: ANSWER }] },
        ],
      },
      NO_APPROVALS,
    );
    try {
      await session.prompt(PROMPT);
      const pane = await session.waitForPane(
        (p) => p.includes(ANSWER) && /Worked for/.test(p),
        "the answer after the command",
      );
      assert.ok(pane.includes(COMMAND), `the pane shows the command line:\n${pane}`);
      assert.ok(pane.includes("SPOOL-TUI-OK"), `the pane shows the command's output:\n${pane}`);
      assert.equal(await session.quit(), "0", "the TUI exits 0 after /quit");

      assert.deepEqual(session.failedRequests(), []);
      const [start] = requestsOf(session.frames, "thread/start");
      assert.equal(start?.sandbox, "danger-full-access", "the TUI's config reaches thread/start");
      assert.equal(start?.approvalPolicy, "never");
      const threadId = (notificationsOf(session.frames, "thread/started")[0]?.thread as { id: string }).id;
      const command = notificationsOf(session.frames, "item/completed")
        .map((n) => n.item as Record<string, unknown>)
        .find((i) => i.type === "commandExecution");
      assert.equal(command?.status, "completed");
      assert.equal(command?.exitCode, 0);
      assert.match(String(command?.aggregatedOutput), /SPOOL-TUI-OK/);
      const requests = session.modelRequests();
      assert.deepEqual(
        requests.map((r) => r.label).filter((l) => l !== "title"),
        ["call", "answer"],
      );

      // The title turn's outputSchema reaches the model as that request's text.format, and no other.
      const [titleTurn] = requestsOf(session.frames, "turn/start").filter((p) => p.outputSchema);
      assert.ok(titleTurn, "the TUI asked for a title with an outputSchema");
      const titled = requests.filter((r) => (r.body as { text?: unknown }).text !== undefined);
      assert.deepEqual(
        titled.map((r) => r.label),
        ["title"],
      );
      assert.deepEqual((titled[0]!.body as { text: unknown }).text, {
        format: {
          type: "json_schema",
          strict: true,
          name: "codex_output_schema",
          schema: titleTurn.outputSchema,
        },
      });
      // It names the thread with the title it got, and Spool tells it the name.
      assert.deepEqual(requestsOf(session.frames, "thread/name/set"), [{ threadId, name: TITLE }]);
      assert.deepEqual(notificationsOf(session.frames, "thread/name/updated"), [
        { threadId, threadName: TITLE },
      ]);

      // The thread's settings as its first turn runs them: no approvals, the TUI's collaboration mode.
      const [settings] = notificationsOf(session.frames, "thread/settings/updated").filter(
        (n) => n.threadId === threadId,
      );
      const ts = settings?.threadSettings as Record<string, unknown> | undefined;
      assert.equal(ts?.approvalPolicy, "never");
      assert.deepEqual(ts?.sandboxPolicy, { type: "dangerFullAccess" });
      assert.equal((ts?.collaborationMode as { mode?: string } | undefined)?.mode, "default");
    } finally {
      await session.close();
    }
  });
}
