// Output throughput of `cat` of a large file through the exec-server vs reading a direct pipe.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ExecServerClient } from "../src/exec-server/index.js";
import { ENV, remoteExecServer } from "./support/exec-server.js";

const SIZE_MB = Number(process.env.BENCH_MB ?? 256);
const dir = mkdtempSync(join(tmpdir(), "spool-bench-"));
const file = join(dir, "big.bin");
const block = randomBytes(1024 * 1024);
writeFileSync(file, Buffer.concat(Array.from({ length: SIZE_MB }, () => block)));
const bytes = SIZE_MB * 1024 * 1024;

async function direct(): Promise<number> {
  const t0 = performance.now();
  const child = spawn("cat", [file], { env: ENV, stdio: ["ignore", "pipe", "pipe"] });
  let n = 0;
  child.stdout.on("data", (b: Buffer) => (n += b.length));
  await new Promise((resolve) => child.once("close", resolve));
  if (n !== bytes) throw new Error(`direct pipe read ${n} of ${bytes} bytes`);
  return performance.now() - t0;
}

async function viaClient(client: ExecServerClient): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  const proc = await client.start({ argv: ["cat", file], env: ENV, onOutput: (c) => (n += c.bytes.length) });
  await proc.wait();
  if (n !== bytes) throw new Error(`exec-server delivered ${n} of ${bytes} bytes`);
  return performance.now() - t0;
}

const inProcess = await ExecServerClient.inProcess();
const remote = await remoteExecServer();
const runners: [string, () => Promise<number>][] = [
  ["direct pipe", direct],
  ["exec-server in-process", () => viaClient(inProcess)],
  [`exec-server ${remote.label}`, () => viaClient(remote.client)],
];
const best = runners.map(() => Infinity);
for (let round = 0; round < 3; round++) {
  for (let r = 0; r < runners.length; r++) best[r] = Math.min(best[r]!, await runners[r]![1]());
}
inProcess.close();
await remote.stop();
rmSync(dir, { recursive: true, force: true });

console.log(`cat of a ${SIZE_MB} MiB file, best of 3 interleaved rounds`);
runners.forEach(([name], r) => {
  const mbps = SIZE_MB / (best[r]! / 1000);
  const base = SIZE_MB / (best[0]! / 1000);
  console.log(
    `${name.padEnd(62)} ${mbps.toFixed(0).padStart(6)} MiB/s  (${(mbps / base).toFixed(2)}x direct)`,
  );
});
