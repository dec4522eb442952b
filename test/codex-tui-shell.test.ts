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

// The TUI's `!cmd` (a user shell command, `thread/shellCommand`) in the real Codex TUI, unchanged.
// Before Spool answered it, the TUI quit with "thread/shellCommand failed in TUI".

after(killSpawned);

const COMMAND = "echo spool-bang | tr a-z A-Z";

for (const tui of TUI_VERSIONS) {
  test(`the Codex TUI ${tui.version}: !cmd runs through Spool, its output shows, the TUI keeps running`, async () => {
    requireTmux();
    const session = await startTuiSession(
      codexTuiBin(tui),
      { responses: [{ output: [{ type: "message", text: "unused" }] }] },
      ["--ask-for-approval", "never"],
    );
    try {
      await session.prompt(`!${COMMAND}`);
      const pane = await session.waitForPane((p) => p.includes("SPOOL-BANG"), "the command's output");
      assert.ok(pane.includes(COMMAND), `the pane shows the command:\n${pane}`);
      assert.deepEqual(session.failedRequests(), []);
      assert.deepEqual(
        requestsOf(session.frames, "thread/shellCommand").map((p) => p.command),
        [COMMAND],
      );
      const item = notificationsOf(session.frames, "item/completed")
        .map((n) => n.item as Record<string, unknown>)
        .find((i) => i.type === "commandExecution");
      assert.equal(item?.source, "userShell");
      assert.equal(item?.exitCode, 0);
      assert.equal(session.modelRequests().length, 0, "a shell command asks the model nothing");
      assert.equal(await session.quit(), "0", "the TUI exits 0 after /quit");
    } finally {
      await session.close();
    }
  });
}
