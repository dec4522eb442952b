import type { Command } from "commander";
import type { TraceReduceFlags } from "./trace-reduce-run.js";

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
      "Reduce a rollout-trace bundle (schema 2 as Codex 0.169, schema 3 as Codex 0.171) into state.json; exit status 2 when the bundle is invalid",
    )
    .argument("<bundle>", "bundle directory (holds manifest.json and trace.jsonl)")
    .option("-o, --output <file>", "where to write state.json (default: <bundle>/state.json)")
    .option("--json", "print the summary as one JSON object instead of text")
    .action(async (bundle: string, flags: TraceReduceFlags) =>
      (await import("./trace-reduce-run.js")).runTraceReduce(bundle, flags),
    );
}
