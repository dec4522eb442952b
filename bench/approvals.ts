// What an approval costs a turn, over stdio to a spawned `spool app-server` with the scripted
// model in this process. Every turn runs one `touch` command: on one thread under
// `on-request`/`read-only` (the client is asked and accepts at once), on another under
// `never`/`danger-full-access` (the in-run baseline: the same command, not asked). Turns alternate
// between the two threads so both histories grow alike. Figures: turn/start → turn/completed
// p50/p99 per mode, the approval's cost (asked minus baseline) at p50, also as a ratio, and the
// server's reaction to an answer (answer sent → the command's item/started), which the
// process's own time does not blur. Commands run `bash -c` (not a login shell) to keep noise down.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startScriptedModelServer } from "../src/model-server/index.js";
import { RpcConnection, StreamTransport } from "../src/rpc/index.js";
import { fmt, percentile } from "./support/stats.js";

const MAIN = new URL("../dist/cli/main.js", import.meta.url).pathname;
const TURNS = Number(process.env.BENCH_TURNS ?? 100);
const WARM = 10;

const model = await startScriptedModelServer({
  script: {
    responses: Array.from({ length: 2 * (TURNS + WARM) }, (_, i) => ({
      output: [
        {
          type: "function_call" as const,
          name: "exec_command",
          arguments: { cmd: `touch f${i}`, login: false },
        },
      ],
    })).flatMap((call) => [call, { output: [{ type: "message" as const, text: "done" }] }]),
  },
});
const home = mkdtempSync(join(tmpdir(), "spool-bench-approvals-"));
const cwd = mkdtempSync(join(tmpdir(), "spool-bench-approvals-cwd-"));
const child = spawn(
  process.execPath,
  [
    MAIN,
    "app-server",
    "-c",
    'model_provider="mock"',
    "-c",
    'model="scripted"',
    "-c",
    `model_providers.mock.base_url="${model.url}"`,
  ],
  { env: { ...process.env, SPOOL_HOME: home, SPOOL_LOG: "warn" }, stdio: ["pipe", "pipe", "inherit"] },
);
const completed = new Map<string, () => void>();
let asked = 0;
/** When the last answer was sent; the command's item/started then gives the server's reaction. */
let answeredAt: number | undefined;
const reaction: number[] = [];
const rpc = new RpcConnection(new StreamTransport(child.stdout, child.stdin, { kind: "stdio" }), {
  handler: {
    handleRequest: () => {
      asked++;
      answeredAt = performance.now();
      return { decision: "accept" };
    },
    handleNotification: (m, p) => {
      if (m === "turn/completed") completed.get((p as { turn: { id: string } }).turn.id)?.();
      if (m === "item/started" && answeredAt !== undefined) {
        reaction.push(performance.now() - answeredAt);
        answeredAt = undefined;
      }
    },
  },
}).start();
await rpc.request("initialize", { clientInfo: { name: "bench", title: null, version: "0" } });
rpc.notify("initialized");
const start = async (params: Record<string, unknown>) =>
  (await rpc.request<{ thread: { id: string } }>("thread/start", { cwd, ...params })).thread.id;
const askedThread = await start({ approvalPolicy: "on-request", sandbox: "read-only" });
const baseThread = await start({ approvalPolicy: "never", sandbox: "danger-full-access" });

async function turn(threadId: string): Promise<number> {
  const t0 = performance.now();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const { turn } = await rpc.request<{ turn: { id: string } }>("turn/start", {
    threadId,
    input: [{ type: "text", text: "touch it" }],
  });
  completed.set(turn.id, resolveDone);
  await done;
  completed.delete(turn.id);
  return performance.now() - t0;
}

const withApproval: number[] = [];
const baseline: number[] = [];
for (let i = 0; i < TURNS + WARM; i++) {
  const a = await turn(askedThread);
  const b = await turn(baseThread);
  if (i < WARM) continue;
  withApproval.push(a);
  baseline.push(b);
}
child.stdin.end();
await new Promise((r) => child.once("exit", r));
await model.close();
rmSync(home, { recursive: true, force: true });
rmSync(cwd, { recursive: true, force: true });

const a50 = percentile(withApproval, 50);
const b50 = percentile(baseline, 50);
console.log(`approval requests answered: ${asked} (expected ${TURNS + WARM})`);
console.log(
  `turn with one command, not asked (baseline, ${TURNS}): p50 ${fmt(b50)} ms p99 ${fmt(percentile(baseline, 99))} ms`,
);
console.log(
  `turn with one command, asked and accepted (${TURNS}): p50 ${fmt(a50)} ms p99 ${fmt(percentile(withApproval, 99))} ms`,
);
console.log(`approval round trip: +${fmt(a50 - b50)} ms at p50; ${fmt(a50 / b50, 2)}x baseline`);
console.log(
  `answer sent → the command's item/started: p50 ${fmt(percentile(reaction.slice(WARM), 50))} ms p99 ${fmt(percentile(reaction.slice(WARM), 99))} ms (sent as the process is started, before it runs)`,
);
