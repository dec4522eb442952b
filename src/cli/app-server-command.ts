import type { Command } from "commander";
import { AppServer, parseListenAddress } from "../app-server/index.js";
import { ConfigError, otelConfigFromLoaded, type LoadedConfig } from "../config/index.js";
import {
  TelemetryConfigError,
  installTelemetry,
  withinTimeout,
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

/** Traces, logs and metrics from `[otel]` (and the standard `OTEL_*` variables). */
function startTelemetry(config: LoadedConfig): TelemetryHandle {
  try {
    return installTelemetry({ settings: otelConfigFromLoaded(config) });
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
  // Telemetry first: threads created later report through it.
  const telemetry = startTelemetry(config);
  let server: AppServer;
  try {
    server = new AppServer({ config, maxFrameBytes, metrics: telemetry.metrics });
  } catch (err) {
    await telemetry.shutdown(1000);
    if (err instanceof ConfigError) throw new UsageError(`config error: ${err.message}`);
    throw err;
  }
  const shutdown = async () => {
    await withinTimeout(server.shutdown(), 3000).catch(() => undefined);
    await telemetry.shutdown(5000);
  };
  onTerminationSignals(shutdown, 8000);
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
