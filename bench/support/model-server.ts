import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ModelScriptInput } from "../../src/model-server/index.js";

/**
 * Runs `spool model-server` with `script` in its own process, so the scripted model does not
 * compete with the measured client for this process's event loop.
 */
export async function spawnModelServer(
  script: ModelScriptInput,
): Promise<{ url: string; child: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), "spool-bench-"));
  const file = join(dir, "script.json");
  writeFileSync(file, JSON.stringify(script));
  const main = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
  const child = spawn(process.execPath, ["--import", "tsx", main, "model-server", "--script", file], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [url] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
  return { url, child };
}
