import { InvalidArgumentError, type Command } from "commander";
import { integerAtLeast } from "./options.js";
import type { TraceReduceFlags } from "./trace-reduce-run.js";

/**
 * Registers `spool debug` and its `trace-reduce` and `trace-convert` verbs on the program.
 *
 * @example
 * spool debug trace-reduce ~/.spool/traces/trace-<id>-<thread> -o /tmp/state.json
 * spool debug trace-convert --to 3 ~/.spool/traces/trace-<id>-<thread> /tmp/for-codex-0.171
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
    .option("--max-line-bytes <n>", "longest trace.jsonl line accepted (default 16 MiB)", integerAtLeast(1))
    .option(
      "--max-payload-bytes <n>",
      "largest payload accepted, a file or an assembled record (default 256 MiB)",
      integerAtLeast(1),
    )
    .option("--max-json-depth <n>", "deepest JSON nesting accepted (default 1000)", integerAtLeast(1))
    .action(async (bundle: string, flags: TraceReduceFlags) =>
      (await import("./trace-reduce-run.js")).runTraceReduce(bundle, flags),
    );
  debug
    .command("trace-convert")
    .description(
      "Rewrite a rollout-trace bundle as schema 2 (Codex 0.169) or 3 (Codex 0.171); exit status 2 when it cannot",
    )
    .requiredOption("--to <schema>", "target schema: 2 or 3", schemaVersion)
    .argument("<bundle>", "bundle directory to read")
    .argument("<out>", "new bundle directory (must not exist or be empty)")
    .action(async (bundle: string, out: string, flags: { to: 2 | 3 }) =>
      (await import("./trace-convert-run.js")).runTraceConvert(bundle, out, flags.to),
    );
}

function schemaVersion(value: string): 2 | 3 {
  if (value !== "2" && value !== "3")
    throw new InvalidArgumentError("expected 2 (Codex 0.169) or 3 (Codex 0.171)");
  return Number(value) as 2 | 3;
}
