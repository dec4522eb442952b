// Start-up of the compiled `spool` CLI, whole process, next to `node -e 1` in the same run:
// `spool --version`, `spool --help`, and `spool app-server` until it answers `initialize` over stdio.
// Targets: --version and --help <= 100 ms; app-server ready for initialize <= 150 ms.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { SPOOL_MAIN, ms, requireBuild, timeProcess } from "./support/process-timing.js";

requireBuild();
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

/** Spawn to the `initialize` response, then close stdin. */
async function appServerReady(): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [SPOOL_MAIN, "app-server"], { stdio: ["pipe", "pipe", "ignore"] });
  const lines = createInterface({ input: child.stdout });
  child.stdin.write(
    JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { clientInfo: { name: "bench", version: "0" } },
    }) + "\n",
  );
  for await (const line of lines) {
    if ((JSON.parse(line) as { id?: number }).id === 1) break;
  }
  const elapsed = performance.now() - t0;
  child.stdin.end();
  await new Promise((r) => child.once("exit", r));
  return elapsed;
}

const node = timeProcess(process.execPath, ["-e", "1"], RUNS);
const version = timeProcess(process.execPath, [SPOOL_MAIN, "--version"], RUNS);
const help = timeProcess(process.execPath, [SPOOL_MAIN, "--help"], RUNS);
await appServerReady();
const ready: number[] = [];
for (let i = 0; i < RUNS; i++) ready.push(await appServerReady());
ready.sort((a, b) => a - b);
const readyMedian = ready[Math.floor(ready.length / 2)]!;

const line = (label: string, t: number, target: number): string =>
  `${label.padEnd(34)} ${ms(t).padStart(7)}  ${(t / node.median).toFixed(2)}× node -e 1; target <= ${target} ms: ${t <= target ? "met" : "NOT met"}`;
console.log(
  `node -e 1 (floor)                  ${ms(node.median).padStart(7)}  (median of ${RUNS}, min ${ms(node.min)})`,
);
console.log(line("spool --version", version.median, 100));
console.log(line("spool --help", help.median, 100));
console.log(line("spool app-server until initialize", readyMedian, 150));
