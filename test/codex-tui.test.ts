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

// A text prompt in the real Codex TUI (0.169 and 0.171, unchanged) against
// `spool app-server --listen ws://…`. The binary comes from CODEX_TUI_BIN / CODEX_TUI_0171_BIN,
// the scratch install `.ci/run` makes, or an install the test makes; without one the test fails.

after(killSpawned);

const ANSWER = "Spool says hello through the scripted model";

for (const tui of TUI_VERSIONS) {
  test(`the Codex TUI ${tui.version} starts against Spool, answers a prompt from the scripted model and quits with exit 0`, async () => {
    requireTmux();
    const bin = codexTuiBin(tui);
    // The TUI also asks for a title on its own ephemeral thread; every request gets the answer
    // (not JSON, so the TUI names nothing).
    const session = await startTuiSession(bin, {
      responses: [{ output: [{ type: "message", text: ANSWER }] }],
      on_exhausted: "repeat_last",
    });
    try {
      await session.prompt("Say hello to Spool");
      const pane = await session.waitForPane((p) => p.includes(ANSWER) && /Worked for/.test(p), "the answer");
      assert.match(pane, /Say hello to Spool/);
      assert.equal(await session.quit(), "0", "the TUI exits 0 after /quit");

      // Every request the TUI made got a result (Codex's own server refuses thread/turns/list
      // before the first message; Spool answers an empty page).
      assert.deepEqual(session.failedRequests(), []);
      for (const m of [
        "account/read",
        "configRequirements/read",
        "thread/start",
        "turn/start",
        "skills/list",
      ])
        assert.ok(requestsOf(session.frames, m).length > 0, `the TUI sent ${m}`);
      for (const m of [
        "thread/started",
        "thread/settings/updated",
        "turn/started",
        "item/completed",
        "turn/completed",
        "thread/readState/changed",
      ])
        assert.ok(notificationsOf(session.frames, m).length > 0, `Spool sent ${m}`);
    } finally {
      await session.close();
    }
  });
}
