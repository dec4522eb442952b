// Child process for test/rollout-crash.test.ts: records into a real bundle until killed.
// argv: <root> <heavy|signal> [schema]. Prints the bundle dir, then progress lines the parent waits on.
import { startRolloutRecorder } from "../src/rollout-trace/index.js";

const [root, mode, schema] = process.argv.slice(2) as [string, string, string | undefined];
const thread = "01a20752-0000-7000-8000-00000000c0de";
const rec = startRolloutRecorder({ root, rootThreadId: thread, schema: schema === "3" ? 3 : 2 });
process.stdout.write(`bundle ${rec.bundleDir}\n`);
const t = rec.startThread({ threadId: thread, agentPath: "/root" });
const turn = t.startTurn("turn-1");
const big = "y".repeat(8_000);

function oneRound(i: number): void {
  turn.historyItemAccepted(`u${i}`);
  const inf = turn.startInference({
    model: "m",
    providerName: "p",
    request: {
      input: [{ type: "message", id: `u${i}`, role: "user", content: [{ type: "input_text", text: big }] }],
    },
  });
  inf.completed({
    responseId: `resp-${i}`,
    upstreamRequestId: `req-${i}`,
    tokenUsage: null,
    outputItems: [
      { type: "message", id: `a${i}`, role: "assistant", content: [{ type: "output_text", text: big }] },
    ],
  });
  rec.protocolEvent("warning", { type: "warning", message: `round ${i}` });
}

if (mode === "signal") {
  for (let i = 0; i < 50; i++) oneRound(i);
  // 50 × 4 events plus rollout_started, thread_started, codex_turn_started, all still queued.
  process.stdout.write("recorded 203\n");
  setInterval(() => undefined, 1000);
} else {
  let i = 0;
  const loop = async (): Promise<void> => {
    for (;;) {
      for (let k = 0; k < 20; k++) oneRound(i++);
      await rec.flush();
      process.stdout.write(`rounds ${i}\n`);
    }
  };
  void loop();
}
