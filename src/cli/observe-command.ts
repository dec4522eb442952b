import type { Command } from "commander";
import { collect, port } from "./options.js";
import type { ObserveFlags } from "./observe-run.js";

/** `spool observe` (the local trace store, OTLP receiver and viewer) and `spool trace show`. */
export function registerObserveCommands(program: Command): void {
  program
    .command("observe")
    .description("Run the local trace store: an OTLP/HTTP receiver and a web viewer, on loopback")
    .option("--port <n>", "OTLP/HTTP port ([observe] port, default 4318)", port)
    .option("--ui-port <n>", "viewer port ([observe] ui_port, default 4320)", port)
    .option("--host <address>", "loopback address to bind", "127.0.0.1")
    .option("--store <path>", "store file ([observe] store, default $SPOOL_HOME/observe.sqlite)")
    .option("--trace-root <dir>", "also list rollout bundles under this directory (repeatable)", collect)
    .option("-c, --config <key=value>", "override a config.toml key (value parsed as TOML)", collect)
    .action(async (flags: ObserveFlags) => (await import("./observe-run.js")).runObserve(flags));
  const traceCmd = program.command("trace").description("Read the local trace store");
  traceCmd
    .command("show <id>")
    .description("Print the span tree of a trace id or a thread id, with durations")
    .option("--store <path>", "store file (default $SPOOL_HOME/observe.sqlite)")
    .option("-c, --config <key=value>", "override a config.toml key (value parsed as TOML)", collect)
    .action(async (id: string, flags: { store?: string; config?: string[] }) =>
      (await import("./observe-run.js")).runTraceShow(id, flags),
    );
  traceCmd
    .command("import-log <file>")
    .description(
      "Import the timing events of a JSON log (LOG_FORMAT=json stderr of Spool or Codex) into the store",
    )
    .option("--store <path>", "store file (default $SPOOL_HOME/observe.sqlite)")
    .option("-c, --config <key=value>", "override a config.toml key (value parsed as TOML)", collect)
    .action(async (file: string, flags: { store?: string; config?: string[] }) =>
      (await import("./observe-run.js")).runTraceImportLog(file, flags),
    );
}
