import type { Command } from "commander";
import { resolve } from "node:path";
import { TraceReduceError, convertBundle, reduceBundle } from "../rollout-trace/index.js";

/** Exit status for a bundle that cannot be converted (bad input), as `trace-reduce` uses. */
const EXIT_BAD_BUNDLE = 2;

async function traceConvert(bundleArg: string, outArg: string, options: { to: string }): Promise<void> {
  const to = Number(options.to);
  if (to !== 2 && to !== 3) {
    process.stderr.write(`Error: --to must be 2 (Codex 0.169) or 3 (Codex 0.171), not ${options.to}\n`);
    process.exitCode = EXIT_BAD_BUNDLE;
    return;
  }
  const bundle = resolve(bundleArg);
  const out = resolve(outArg);
  try {
    // Only a bundle that reduces is converted, and the result must reduce too.
    const before = await reduceBundle(bundle);
    const result = await convertBundle(bundle, out, to);
    const after = await reduceBundle(out);
    process.stdout.write(
      `Converted schema ${result.from} → ${result.to}: ${result.events} events, ${result.payloads} payloads ` +
        `(${before.state.inference_calls.size} inference calls, ${after.state.tool_calls.size} tool calls reduce from ${out})\n`,
    );
  } catch (err) {
    if (err instanceof TraceReduceError) {
      process.stderr.write(`Error: ${err.describe()}\n`);
      process.exitCode = EXIT_BAD_BUNDLE;
      return;
    }
    throw err;
  }
}

/**
 * Registers `spool debug trace-convert`: rewrites a rollout-trace bundle into schema 2 (Codex
 * 0.169) or 3 (Codex 0.171) so whichever Codex a user runs can reduce it.
 *
 * @example
 * spool debug trace-convert --to 3 ~/.spool/traces/trace-<id>-<thread> /tmp/for-codex-0.171
 */
export function registerTraceConvertCommand(debug: Command): void {
  debug
    .command("trace-convert")
    .description(
      "Rewrite a rollout-trace bundle as schema 2 (Codex 0.169) or 3 (Codex 0.171); exit status 2 when it cannot",
    )
    .requiredOption("--to <schema>", "target schema: 2 or 3")
    .argument("<bundle>", "bundle directory to read")
    .argument("<out>", "new bundle directory (must not exist or be empty)")
    .action(traceConvert);
}
