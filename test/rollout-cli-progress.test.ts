// The progress bar appears on a TTY stderr for big bundles, and never when stderr is not a TTY.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import * as pty from "node-pty";
import { startRolloutRecorder } from "../src/rollout-trace/index.js";
import { scratchDir, userMessage } from "./rollout-bundle-builder.js";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "main.js");
const scratch = scratchDir("spool-rollout-progress-");
after(scratch.cleanup);

/** A bundle of about 6 MB: 60 inference requests of 100 kB each. */
async function bigBundle(): Promise<string> {
  const thread = "01a20752-0000-7000-8000-0000000b1600";
  const rec = startRolloutRecorder({
    root: scratch.dir,
    rootThreadId: thread,
    durability: "flush",
    signalHooks: false,
  });
  const t = rec.startThread({ threadId: thread, agentPath: "/root" });
  const turn = t.startTurn("turn");
  for (let i = 0; i < 60; i++) {
    turn
      .startInference({
        model: "m",
        providerName: "p",
        request: { input: [userMessage(`u${i}`, "z".repeat(100_000))] },
      })
      .completed({
        responseId: `resp-${i}`,
        upstreamRequestId: `req-${i}`,
        tokenUsage: null,
        outputItems: [],
      });
  }
  turn.ended("completed");
  t.ended("completed");
  await rec.end("completed");
  return rec.bundleDir!;
}

test("a big bundle shows a progress bar on a TTY and none when stderr is a pipe", async () => {
  const bundle = await bigBundle();
  const term = pty.spawn(
    process.execPath,
    [CLI, "debug", "trace-reduce", bundle, "-o", join(scratch.dir, "tty.json")],
    {
      cols: 200,
    },
  );
  let screen = "";
  term.onData((d) => (screen += d));
  const exit = await new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
  assert.equal(exit, 0, screen);
  assert.match(screen, /\[#+ *\] +\d+% [\d.]+\/[\d.]+ MB/);
  assert.match(screen, /60 inference calls/);

  const { stdout, stderr } = await promisify(execFile)(process.execPath, [
    CLI,
    "debug",
    "trace-reduce",
    bundle,
    "-o",
    join(scratch.dir, "pipe.json"),
  ]);
  assert.equal(stderr, "");
  assert.match(stdout, /60 inference calls/);
});
