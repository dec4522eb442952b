import { after, test } from "node:test";
import assert from "node:assert/strict";
import { killSpawned } from "./support/spawned-servers.js";
import {
  TUI_VERSIONS,
  codexTuiBin,
  notificationsOf,
  requireTmux,
  startTuiSession,
  type Frame,
} from "./codex-tui-harness.js";

// An approval in the real Codex TUI (0.169 and 0.171, unchanged): under on-request and a read-only
// sandbox Spool asks before running a command that is not known to be safe; the TUI shows the
// question, the test approves it with `y`, and the command's output and the answer follow.

after(killSpawned);

const PROMPT = "Run the approved Spool check";
const COMMAND = "printf 'SPOOL-%s\\n' APPROVED";
const ANSWER = "The approved check ran";
const ASK = ["--ask-for-approval", "on-request", "--sandbox", "read-only"];

/** The server → client requests of a session, and the client's answers to them, by method. */
function serverRequests(frames: readonly Frame[], method: string) {
  return frames
    .filter((f) => f.dir === "server->client" && f.msg.method === method && f.msg.id !== undefined)
    .map((f) => ({
      params: f.msg.params as Record<string, unknown>,
      answer: frames.find(
        (a) => a.dir === "client->server" && a.msg.method === undefined && a.msg.id === f.msg.id,
      )?.msg,
    }));
}

for (const tui of TUI_VERSIONS) {
  test(`the Codex TUI ${tui.version} shows Spool's approval request; approving it runs the command`, async () => {
    requireTmux();
    const session = await startTuiSession(
      codexTuiBin(tui),
      {
        responses: [
          {
            label: "title",
            when_input_contains: "task title",
            output: [{ type: "message", text: JSON.stringify({ title: "Run the check" }) }],
          },
          {
            label: "call",
            when_input_contains: PROMPT,
            output: [{ type: "function_call", name: "exec_command", arguments: { cmd: COMMAND } }],
          },
          { label: "answer", when_input_contains: PROMPT, output: [{ type: "message", text: ANSWER }] },
        ],
      },
      ASK,
    );
    try {
      await session.prompt(PROMPT);
      const asked = await session.waitForPane(
        (p) => p.includes("Would you like to run the following command?"),
        "the approval question",
      );
      assert.ok(asked.includes(COMMAND), `the question shows the command:\n${asked}`);
      assert.ok(!asked.includes("SPOOL-APPROVED"), "nothing ran before the answer");
      session.press("y");
      const pane = await session.waitForPane(
        (p) => p.includes(ANSWER) && /Worked for/.test(p),
        "the answer after the approved command",
      );
      assert.ok(pane.includes("SPOOL-APPROVED"), `the pane shows the command's output:\n${pane}`);
      assert.equal(await session.quit(), "0", "the TUI exits 0 after /quit");

      assert.deepEqual(session.failedRequests(), []);
      const [approval, ...more] = serverRequests(session.frames, "item/commandExecution/requestApproval");
      assert.equal(more.length, 0, "one question for one command");
      assert.ok(String(approval?.params.command).includes("SPOOL-%s"), JSON.stringify(approval?.params));
      assert.deepEqual(approval?.answer?.result, { decision: "accept" });
      assert.equal(notificationsOf(session.frames, "serverRequest/resolved").length, 1);
      const command = notificationsOf(session.frames, "item/completed")
        .map((n) => n.item as Record<string, unknown>)
        .find((i) => i.type === "commandExecution");
      assert.equal(command?.status, "completed");
      assert.match(String(command?.aggregatedOutput), /SPOOL-APPROVED/);
    } finally {
      await session.close();
    }
  });
}
