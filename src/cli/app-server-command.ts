import type { Command } from "commander";
import { AppServer, parseListenAddress } from "../app-server/index.js";
import {
  ConfigError,
  otelConfigFromLoaded,
  resolveObserveConfig,
  type LoadedConfig,
} from "../config/index.js";
import { startEmbeddedStore, type EmbeddedStore } from "../observe/index.js";
import {
  TelemetryConfigError,
  installTelemetry,
  resolveExporter,
  type TelemetryHandle,
} from "../telemetry/index.js";
import { ListenError } from "../rpc/index.js";
import {
  UsageError,
  collect,
  flushStdout,
  loadConfigOrExit,
  onTerminationSignals,
  readWsToken,
  routeConsoleToStderr,
} from "./common.js";

interface AppServerFlags {
  listen: string;
  config?: string[];
  wsTokenFile?: string;
  maxFrameBytes?: string;
}

/**
 * The embedded default: with no trace and no log exporter configured (neither `[otel]` nor
 * `OTEL_*`), `[observe] embedded` (default true) and the SDK not disabled, spans and `codex_otel`
 * log events go into the local observe store.
 */
function embeddedStoreFor(config: LoadedConfig, env: NodeJS.ProcessEnv): EmbeddedStore | undefined {
  const observe = resolveObserveConfig(config.config.observe, config.home);
  if (!observe.embedded || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  const otel = otelConfigFromLoaded(config, env);
  if (resolveExporter("traces", otel.traceExporter, env).kind !== "none") return undefined;
  if (resolveExporter("logs", otel.exporter, env).kind !== "none") return undefined;
  return startEmbeddedStore({
    storePath: observe.storePath,
    retention: { maxAgeMs: observe.maxAgeMs, maxBytes: observe.maxBytes },
  });
}

/** Traces, logs and metrics from `[otel]` (and the standard `OTEL_*` variables), or the embedded store. */
function startTelemetry(config: LoadedConfig): TelemetryHandle {
  try {
    const embedded = embeddedStoreFor(config, process.env);
    return installTelemetry({
      settings: otelConfigFromLoaded(config),
      ...(embedded ? { exporters: { traces: embedded.spanExporter, logs: embedded.logExporter } } : {}),
    });
  } catch (err) {
    if (err instanceof TelemetryConfigError || err instanceof ConfigError) {
      throw new UsageError(`config error: ${err.message}`);
    }
    throw err;
  }
}

async function runAppServer(flags: AppServerFlags): Promise<void> {
  routeConsoleToStderr();
  let listen;
  try {
    listen = parseListenAddress(flags.listen);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const config = loadConfigOrExit(flags.config);
  const maxFrameBytes = flags.maxFrameBytes ? Number(flags.maxFrameBytes) : undefined;
  if (maxFrameBytes !== undefined && !(Number.isInteger(maxFrameBytes) && maxFrameBytes > 0)) {
    throw new UsageError(`--max-frame-bytes ${flags.maxFrameBytes}: expected a positive integer`);
  }
  const token = readWsToken(flags.wsTokenFile);
  let server: AppServer;
  try {
    server = new AppServer({ config, maxFrameBytes });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`config error: ${err.message}`);
    throw err;
  }
  const telemetry = startTelemetry(config);
  const shutdown = () => telemetry.shutdown(5000);
  onTerminationSignals(shutdown);
  if (listen.kind === "stdio") {
    await server.serveStdio();
    await flushStdout();
    await shutdown();
    process.exit(0);
  }
  try {
    const listener = await server.listenWebSocket(listen.host, listen.port, token);
    // The one line a supervisor or test reads to learn the bound port.
    process.stdout.write(`listening on ${listener.url}\n`);
  } catch (err) {
    await shutdown();
    if (err instanceof ListenError) throw new UsageError(err.message);
    throw new UsageError(`cannot listen on ${flags.listen}: ${(err as Error).message}`);
  }
}

/** `spool app-server`: the JSON-RPC app-server over stdio or WebSocket. */
export function registerAppServerCommand(program: Command): void {
  program
    .command("app-server")
    .description("Run the JSON-RPC app-server (Codex app-server v2 protocol)")
    .option("--listen <address>", "stdio:// or ws://IP:PORT (loopback unless a token is set)", "stdio://")
    .option("-c, --config <key=value>", "override a config.toml key (value parsed as TOML)", collect)
    .option("--ws-token-file <path>", "bearer token WebSocket clients must present (or SPOOL_WS_TOKEN)")
    .option("--max-frame-bytes <n>", "largest inbound message accepted")
    .action((flags: AppServerFlags) => runAppServer(flags));
}
