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
}

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
  const { maxFrameBytes, frameHardCapBytes } = flags;
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
    if (err instanceof ListenError) throw new StartupError(err.message);
    throw new Error(`cannot listen on ${flags.listen}: ${(err as Error).message}`, { cause: err });
  }
}
