import type { Command } from "commander";
import { parseListenAddress } from "../app-server/index.js";
import { ListenError, type WebSocketListener } from "../rpc/index.js";
import {
  UsageError,
  collect,
  flushStdout,
  loadConfigOrExit,
  onTerminationSignals,
  readWsToken,
  routeConsoleToStderr,
} from "./common.js";
import { composeAppServer } from "./compose.js";
import { withinTimeout } from "../telemetry/index.js";

interface AppServerFlags {
  listen: string;
  config?: string[];
  wsTokenFile?: string;
  maxFrameBytes?: string;
  frameHardCapBytes?: string;
}

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(Number.isInteger(n) && n > 0)) throw new UsageError(`${flag} ${text}: expected a positive integer`);
  return n;
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
  const maxFrameBytes = positiveInteger("--max-frame-bytes", flags.maxFrameBytes);
  const frameHardCapBytes = positiveInteger("--frame-hard-cap-bytes", flags.frameHardCapBytes);
  const token = readWsToken(flags.wsTokenFile);
  const { telemetry, server } = await composeAppServer(config, { maxFrameBytes, frameHardCapBytes });
  let listener: WebSocketListener | undefined;
  // WebSocket clients get their close frame (1001) first, then threads end (running turns
  // interrupted, bundles completed), then telemetry flushes.
  const shutdown = async () => {
    await listener?.close();
    await withinTimeout(server.shutdown(), 3000);
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
    listener = await server.listenWebSocket(listen.host, listen.port, token);
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
    .option("--max-frame-bytes <n>", "largest inbound message accepted (default 8 MiB)")
    .option(
      "--frame-hard-cap-bytes <n>",
      "WebSocket frames past this close the connection instead of getting -32600 (default 64 MiB)",
    )
    .action((flags: AppServerFlags) => runAppServer(flags));
}
