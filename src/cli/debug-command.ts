import type { Command } from "commander";
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  TraceReduceError,
  reduceBundle,
  summarizeReduction,
  writeStateFile,
} from "../rollout-trace/index.js";
import { registerTraceConvertCommand } from "./trace-convert-command.js";

/** Exit status for a bundle that cannot be reduced (bad input), as opposed to 1 for crashes. */
const EXIT_BAD_BUNDLE = 2;
const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;

function bundleBytes(bundle: string): number {
  let total = 0;
  try {
    total += statSync(join(bundle, "trace.jsonl")).size;
    const dir = join(bundle, "payloads");
    for (const name of readdirSync(dir)) total += statSync(join(dir, name)).size;
  } catch {
    // Missing pieces are reported by the reducer itself.
  }
  return total;
}

/** A one-line progress bar on a TTY stderr, redrawn at most every 100 ms. */
function progressBar(total: number): { update(done: number): void; clear(): void } {
  let last = 0;
  const draw = (done: number): void => {
    const frac = Math.min(1, done / total);
    const width = 30;
    const filled = Math.round(frac * width);
    const mb = (b: number): string => (b / 1048576).toFixed(1);
    process.stderr.write(
      `\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mb(done)}/${mb(total)} MB`,
    );
  };
  return {
    update(done) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      draw(done);
    },
    clear() {
      process.stderr.write("\r\x1b[2K");
    },
  };
}

async function traceReduce(bundleArg: string, options: { output?: string }): Promise<void> {
  const bundle = resolve(bundleArg);
  const output = resolve(options.output ?? join(bundle, "state.json"));
  const total = process.stderr.isTTY ? bundleBytes(bundle) : 0;
  const bar = total > PROGRESS_MIN_BYTES ? progressBar(total) : null;
  try {
    const result = await reduceBundle(bundle, { onProgress: bar ? (done) => bar.update(done) : undefined });
    bar?.clear();
    writeStateFile(result.state, output);
    process.stdout.write(`${summarizeReduction(result)}\nWrote ${output}\n`);
  } catch (err) {
    bar?.clear();
    if (err instanceof TraceReduceError) {
      process.stderr.write(`Error: ${err.describe()}\n`);
      process.exitCode = EXIT_BAD_BUNDLE;
      return;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code !== undefined && e.syscall !== undefined) {
      process.stderr.write(`Error: cannot write ${output}: ${e.message}\n`);
      process.exitCode = EXIT_BAD_BUNDLE;
      return;
    }
    throw err;
  }
}

/**
 * Registers `spool debug` and its `trace-reduce` verb on the program.
 *
 * @example
 * spool debug trace-reduce ~/.spool/traces/trace-<id>-<thread> -o /tmp/state.json
 */
export function registerDebugCommand(program: Command): void {
  const debug = program.command("debug").description("Diagnostic tools");
  debug
    .command("trace-reduce")
    .description(
      "Reduce a rollout-trace bundle (schema 2 of Codex 0.169 or schema 3 of Codex 0.171) into state.json; exit status 2 when the bundle is invalid",
    )
    .argument("<bundle>", "bundle directory (holds manifest.json and trace.jsonl)")
    .option("-o, --output <file>", "where to write state.json (default: <bundle>/state.json)")
    .action(traceReduce);
  registerTraceConvertCommand(debug);
}
