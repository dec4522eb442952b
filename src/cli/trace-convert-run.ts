import { resolve } from "node:path";
import { TraceReduceError, convertBundle, reduceBundle } from "../rollout-trace/index.js";
import { StartupError } from "./failure.js";

/** `spool debug trace-convert` once its arguments are parsed. */
export async function runTraceConvert(bundleArg: string, outArg: string, to: 2 | 3): Promise<void> {
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
    if (err instanceof TraceReduceError) throw new StartupError(err.describe());
    throw err;
  }
}
