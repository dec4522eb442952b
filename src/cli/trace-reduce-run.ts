import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  TraceReduceError,
  formatSummary,
  reduceBundle,
  summarizeReduction,
  writeStateFile,
} from "../rollout-trace/reducer/index.js";
import { StartupError } from "./failure.js";

const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;

export interface TraceReduceFlags {
  output?: string;
  json?: boolean;
  maxLineBytes?: number;
  maxPayloadBytes?: number;
  maxJsonDepth?: number;
}

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

/** `spool debug trace-reduce` once its arguments are parsed. */
export async function runTraceReduce(bundleArg: string, flags: TraceReduceFlags): Promise<void> {
  const bundle = resolve(bundleArg);
  const output = resolve(flags.output ?? join(bundle, "state.json"));
  const total = process.stderr.isTTY ? bundleBytes(bundle) : 0;
  const bar = total > PROGRESS_MIN_BYTES ? progressBar(total) : null;
  let result;
  try {
    const { maxLineBytes, maxPayloadBytes, maxJsonDepth } = flags;
    result = await reduceBundle(bundle, {
      onProgress: bar ? (done) => bar.update(done) : undefined,
      limits: { maxLineBytes, maxPayloadBytes, maxJsonDepth },
    });
  } catch (err) {
    if (err instanceof TraceReduceError) throw new StartupError(err.describe());
    throw err;
  } finally {
    bar?.clear();
  }
  try {
    writeStateFile(result.state, output);
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === "EISDIR" ? "it is a directory" : (err as Error).message;
    throw new Error(`cannot write ${output}: ${why}`, { cause: err });
  }
  const summary = summarizeReduction(result);
  process.stdout.write(
    flags.json
      ? `${JSON.stringify({ ...summary, state_file: output })}\n`
      : `${formatSummary(summary)}\nWrote ${output}\n`,
  );
}
