import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A real Codex release's `codex` binary, when this machine has one: `$SPOOL_CODEX_<minor>_BIN`,
 * the scratch install `.ci/run` makes for the TUI tests (`node_modules/.cache/spool-codex-tui/`),
 * or a peer install under /work/peers. Tests that compare against it skip, saying so, without one.
 */
export function installedCodex(version: "0.169" | "0.171"): string | undefined {
  return [
    process.env[`SPOOL_CODEX_${version.replace(".", "")}_BIN`],
    join(REPO, "node_modules/.cache/spool-codex-tui", `${version}.0`, "node_modules/.bin/codex"),
    `/work/peers/codex-${version}/node_modules/.bin/codex`,
  ].find((p): p is string => typeof p === "string" && p !== "" && existsSync(p));
}

/** Codex 0.169's own reducer (`codex debug trace-reduce`), when this machine has it. */
export const CODEX_0169_BIN: string | undefined = installedCodex("0.169");

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
