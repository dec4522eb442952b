import { parseListenAddress } from "../app-server/index.js";
import { ListenError, type WebSocketListener } from "../rpc/index.js";
import { StartupError, UsageError } from "./failure.js";
import {
  flushStdout,
  loadConfigOrExit,
  onTerminationSignals,
  readWsToken,
  routeConsoleToStderr,
} from "./common.js";
import { composeAppServer } from "./compose.js";
import { withinTimeout } from "../telemetry/index.js";

export interface AppServerFlags {
  listen: string;
  config?: string[];
  wsTokenFile?: string;
  maxFrameBytes?: number;
  frameHardCapBytes?: number;
  maxOutboundBytes?: number;
  outboundStallMs?: number;
}

/** Running requests get this long to answer once the process is asked to stop. */
const STOP_GRACE_MS = 1000;
const FLUSH_STDOUT_MS = 1000;
const CORE_SHUTDOWN_MS = 3000;
/** The telemetry flush bound, also with a dead or hanging exporter. */
const TELEMETRY_FLUSH_MS = 2000;

/** `spool app-server` once its flags are parsed. */
export async function runAppServer(flags: AppServerFlags): Promise<void> {
  routeConsoleToStderr();
  let listen;
  try {
    listen = parseListenAddress(flags.listen);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const config = loadConfigOrExit(flags.config);
  const { maxFrameBytes, frameHardCapBytes, maxOutboundBytes, outboundStallMs } = flags;
  const token = readWsToken(flags.wsTokenFile);
  const { telemetry, server } = await composeAppServer(config, {
    maxFrameBytes,
    frameHardCapBytes,
    maxOutboundBytes,
    outboundStallMs,
  });
  let listener: WebSocketListener | undefined;
  // Each step is bounded, so a client that stopped reading or an exporter that hangs cannot hold
  // the exit: connections stop reading and finish their running requests, stdout is flushed
  // (only whole frames were written), WebSocket clients get their close frame (1001), threads end
  // (running turns interrupted, bundles completed), then telemetry flushes within its 2 s.
  const shutdown = async () => {
    await server.stopConnections(STOP_GRACE_MS);
    await withinTimeout(flushStdout(), FLUSH_STDOUT_MS);
    await listener?.close();
    await withinTimeout(server.shutdown(), CORE_SHUTDOWN_MS);
    await telemetry.shutdown(TELEMETRY_FLUSH_MS);
  };
  onTerminationSignals(
    shutdown,
    STOP_GRACE_MS + FLUSH_STDOUT_MS + CORE_SHUTDOWN_MS + TELEMETRY_FLUSH_MS + 1000,
  );
  if (listen.kind === "stdio") {
    // stdin EOF: every request read is answered first (the connection settles), then the same exit.
    await server.serveStdio();
    await shutdown();
    process.exit(0);
  }
  try {
    listener = await server.listenWebSocket(listen.host, listen.port, token);
    // The one line a supervisor or test reads to learn the bound port.
    process.stdout.write(`listening on ${listener.url}\n`);
  } catch (err) {
    await shutdown();
    if (err instanceof ListenError) throw new StartupError(err.message);
    throw new Error(`cannot listen on ${flags.listen}: ${(err as Error).message}`, { cause: err });
  }
}
