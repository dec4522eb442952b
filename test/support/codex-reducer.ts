import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Codex 0.169's own reducer (`codex debug trace-reduce`), when this machine has it: the peer
 * install under /work/peers, or `SPOOL_CODEX_0169_BIN`. Tests that compare against it skip on a
 * machine without it (a fresh clone has no peers).
 */
export const CODEX_0169_BIN: string | undefined = [
  process.env.SPOOL_CODEX_0169_BIN,
  "/work/peers/codex-0.169/node_modules/.bin/codex",
].find((p): p is string => typeof p === "string" && p !== "" && existsSync(p));

/** Reduces `bundle` with Codex 0.169 into `out`; resolves with the parsed state. */
export function codexReduce(bundle: string, out = join(bundle, "codex-state.json")): Promise<unknown> {
  const bin = CODEX_0169_BIN;
  if (!bin) return Promise.reject(new Error("no codex 0.169 binary"));
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      ["debug", "trace-reduce", bundle, "-o", out],
      { timeout: 60_000 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`codex debug trace-reduce failed: ${String(stderr)}`));
        else resolve(JSON.parse(readFileSync(out, "utf8")) as unknown);
      },
    );
  });
}
