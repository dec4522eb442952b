import { isIP } from "node:net";
import type { Command } from "commander";
import { resolveObserveConfig } from "../config/index.js";
import {
  ObserveStore,
  ObserveStoreError,
  formatSpanTree,
  resolveId,
  startObserveServer,
  threadView,
  traceView,
} from "../observe/index.js";
import { resolveRolloutTraceRoot } from "../rollout-trace/index.js";
import { UsageError, collect, loadConfigOrExit, onTerminationSignals } from "./common.js";

interface ObserveFlags {
  port?: string;
  uiPort?: string;
  host: string;
  store?: string;
  traceRoot?: string[];
  config?: string[];
}

function port(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${flag} ${value}: expected a port number`);
  return n;
}

function loopback(host: string): boolean {
  return host === "localhost" || (isIP(host) === 4 && host.startsWith("127.")) || host === "::1";
}

async function runObserve(flags: ObserveFlags): Promise<void> {
  const loaded = loadConfigOrExit(flags.config);
  const settings = resolveObserveConfig(loaded.config.observe, loaded.home);
  if (!loopback(flags.host)) {
    throw new UsageError(
      `--host ${flags.host}: spool observe serves loopback only (it has no authentication); reach it from elsewhere through an SSH tunnel`,
    );
  }
  const configuredRoot = resolveRolloutTraceRoot(loaded.config.rollout_trace?.root);
  const traceRoots = [
    ...(configuredRoot ? [configuredRoot] : []),
    ...settings.traceRoots,
    ...(flags.traceRoot ?? []),
  ];
  const storePath = flags.store ?? settings.storePath;
  let server;
  try {
    server = await startObserveServer({
      storePath,
      host: flags.host,
      otlpPort: port("--port", flags.port, settings.port),
      uiPort: port("--ui-port", flags.uiPort, settings.uiPort),
      traceRoots,
      retention: { maxAgeMs: settings.maxAgeMs, maxBytes: settings.maxBytes },
    });
  } catch (err) {
    if (err instanceof ObserveStoreError) throw new UsageError(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new UsageError(`cannot listen: ${(err as Error).message} (is spool observe already running?)`);
    throw err;
  }
  const out = (l: string) => process.stdout.write(l + "\n");
  out(`spool observe: store ${storePath}`);
  out(`  OTLP/HTTP  ${server.otlpUrl}  (/v1/traces, /v1/logs, /v1/metrics; protobuf or JSON, gzip)`);
  out(`  viewer     ${server.uiUrl}`);
  if (traceRoots.length > 0) out(`  bundles    ${traceRoots.join(", ")}`);
  onTerminationSignals(() => server.close());
}

function runTraceShow(id: string, flags: { store?: string; config?: string[] }): void {
  const loaded = loadConfigOrExit(flags.config);
  const storePath = flags.store ?? resolveObserveConfig(loaded.config.observe, loaded.home).storePath;
  let store: ObserveStore;
  try {
    store = ObserveStore.open(storePath, { readonly: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  try {
    const kind = resolveId(store, id);
    const view =
      kind === "trace"
        ? traceView(store, id.toLowerCase())
        : kind === "thread"
          ? threadView(store, id)
          : undefined;
    if (!view) throw new UsageError(`no trace or thread ${id} in ${storePath}`);
    for (const line of formatSpanTree(view)) process.stdout.write(line + "\n");
  } finally {
    store.close();
  }
}

/** `spool observe` (the local trace store, OTLP receiver and viewer) and `spool trace show`. */
export function registerObserveCommands(program: Command): void {
  program
    .command("observe")
    .description("Run the local trace store: an OTLP/HTTP receiver and a web viewer, on loopback")
    .option("--port <n>", "OTLP/HTTP port ([observe] port, default 4318)")
    .option("--ui-port <n>", "viewer port ([observe] ui_port, default 4320)")
    .option("--host <address>", "loopback address to bind", "127.0.0.1")
    .option("--store <path>", "store file ([observe] store, default $SPOOL_HOME/observe.sqlite)")
    .option("--trace-root <dir>", "also list rollout bundles under this directory (repeatable)", collect)
    .option("-c, --config <key=value>", "override a config.toml key (value parsed as TOML)", collect)
    .action((flags: ObserveFlags) => runObserve(flags));
  const traceCmd = program.command("trace").description("Read the local trace store");
  traceCmd
    .command("show <id>")
    .description("Print the span tree of a trace id or a thread id, with durations")
    .option("--store <path>", "store file (default $SPOOL_HOME/observe.sqlite)")
    .option("-c, --config <key=value>", "override a config.toml key (value parsed as TOML)", collect)
    .action((id: string, flags: { store?: string; config?: string[] }) => runTraceShow(id, flags));
}
