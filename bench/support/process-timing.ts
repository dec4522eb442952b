// Wall time of whole processes, the way a user meets them: spawn, run, exit.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

export const SPOOL_MAIN = new URL("../../dist/cli/main.js", import.meta.url).pathname;

/** Exits with a hint when the compiled CLI is missing (benchmarks time what ships: dist/). */
export function requireBuild(): void {
  if (!existsSync(SPOOL_MAIN)) {
    console.log("dist/cli/main.js is missing: run `npm run build` first");
    process.exit(1);
  }
}

/** Median and minimum wall milliseconds of `runs` runs of `cmd args` (after one warm-up run). */
export function timeProcess(cmd: string, args: string[], runs: number): { median: number; min: number } {
  const once = (): number => {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return ms;
  };
  once();
  const times = Array.from({ length: runs }, once).sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]! };
}

export const ms = (n: number): string => `${n.toFixed(0)} ms`;

/** User + system CPU time of a process so far (not its children's), in ms (from /proc; 10 ms ticks). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
