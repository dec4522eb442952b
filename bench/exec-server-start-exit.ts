// process/start → process/exited for `true`: in-process and WebSocket exec-server vs a direct
// child_process.spawn, interleaved in one run so the ratios share the machine's conditions.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { ExecServerClient } from "../src/exec-server/index.js";
import { ENV, percentile, remoteExecServer } from "./support/exec-server.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const WARMUP = 30;

async function direct(): Promise<number> {
  const t0 = performance.now();
  const child = spawn("true", [], { env: ENV, stdio: ["ignore", "pipe", "pipe"] });
  await new Promise((resolve) => child.once("exit", resolve));
  return performance.now() - t0;
}

async function viaClient(client: ExecServerClient): Promise<number> {
  const t0 = performance.now();
  const proc = await client.start({ argv: ["true"], env: ENV });
  await proc.exited;
  const t = performance.now() - t0;
  await proc.wait();
  return t;
}

const inProcess = await ExecServerClient.inProcess();
const remote = await remoteExecServer();
const runners: [string, () => Promise<number>][] = [
  ["child_process.spawn (direct)", direct],
  ["exec-server in-process", () => viaClient(inProcess)],
  [`exec-server ${remote.label}`, () => viaClient(remote.client)],
];
const samples = runners.map(() => [] as number[]);
for (let i = 0; i < WARMUP + ROUNDS; i++) {
  for (let r = 0; r < runners.length; r++) {
    const ms = await runners[r]![1]();
    if (i >= WARMUP) samples[r]!.push(ms);
  }
}
inProcess.close();
await remote.stop();

const p50s = samples.map((s) =>
  percentile(
    [...s].sort((a, b) => a - b),
    50,
  ),
);
console.log(`start→exit of \`true\`, ${ROUNDS} interleaved rounds after ${WARMUP} warm-up`);
runners.forEach(([name], r) => {
  const sorted = [...samples[r]!].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  console.log(
    `${name.padEnd(62)} p50 ${p50s[r]!.toFixed(2)} ms  p90 ${percentile(sorted, 90).toFixed(2)} ms  mean ${mean.toFixed(2)} ms  ratio(p50) ${(p50s[r]! / p50s[0]!).toFixed(2)}x`,
  );
});
console.log("targets: in-process <= 1.3x, websocket <= 2x direct spawn");
