import { ListenError, listenWebSocket, type WebSocketListener } from "../rpc/index.js";
import { ExecBudget } from "./budget.js";
import {
  DEFAULT_TOTAL_PROCESSES,
  DEFAULT_TOTAL_RETAINED_OUTPUT_BYTES,
  type ExecServerOptions,
} from "./process-options.js";
import { serveExecConnection, type ExecServerConnection } from "./server-connection.js";

export interface ExecServerListenOptions extends Omit<ExecServerOptions, "budget"> {
  /** Processes running at once across every connection (default 256). */
  maxTotalProcesses?: number;
  /** Output bytes retained across every connection (default 256 MiB). */
  maxTotalRetainedOutputBytes?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /**
   * Bearer token every handshake must present, loopback included: the exec-server runs any
   * command for whoever connects. Required unless `insecureNoAuth`.
   */
  token?: string;
  /** Serve without a token; refused off loopback. */
  insecureNoAuth?: boolean;
  /** Called with each accepted connection (diagnostics, tests). */
  onConnection?: (connection: ExecServerConnection) => void;
}

/**
 * Runs the exec-server over WebSocket (`ws://host:port`, plus `/readyz` and `/healthz`). Every
 * connection gets its own session; closing a connection kills the processes it started, and
 * `close()` resolves once those processes are gone.
 *
 * @example
 * const server = await listenExecServer({ port: 0 });
 * console.log(server.url); // ws://127.0.0.1:41234
 */
export async function listenExecServer(options: ExecServerListenOptions): Promise<WebSocketListener> {
  const {
    host = "127.0.0.1",
    port,
    token,
    insecureNoAuth = false,
    onConnection,
    maxTotalProcesses = DEFAULT_TOTAL_PROCESSES,
    maxTotalRetainedOutputBytes = DEFAULT_TOTAL_RETAINED_OUTPUT_BYTES,
    ...sessionOptions
  } = options;
  const serverOptions: ExecServerOptions = {
    ...sessionOptions,
    budget: new ExecBudget(maxTotalProcesses, maxTotalRetainedOutputBytes),
  };
  if (!token && !insecureNoAuth) {
    throw new ListenError(
      "the exec-server requires a bearer token on every listener (--ws-token-file or SPOOL_EXEC_SERVER_TOKEN); --insecure-no-auth serves loopback without one",
    );
  }
  const sessions = new Set<ExecServerConnection["session"]>();
  const listener = await listenWebSocket({
    host,
    port,
    ...(token !== undefined ? { token } : {}),
    onConnection(transport) {
      const served = serveExecConnection(transport, serverOptions);
      sessions.add(served.session);
      served.connection.onClose(() => {
        void served.session.idle().finally(() => sessions.delete(served.session));
      });
      onConnection?.(served);
    },
  });
  return {
    url: listener.url,
    port: listener.port,
    // Closing drops every connection, which kills its processes; wait until they are gone.
    async close() {
      await listener.close();
      await Promise.all([...sessions].map((s) => s.idle()));
    },
  };
}

/** Parses `ws://HOST:PORT` for `--listen`; the port may be 0. */
export function parseListenUrl(listen: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(listen);
  } catch {
    throw new Error(`--listen must be ws://HOST:PORT, got ${JSON.stringify(listen)}`);
  }
  const explicitPort = /:(\d+)\/?$/.exec(listen);
  if (url.protocol !== "ws:" || !explicitPort) {
    throw new Error(`--listen must be ws://HOST:PORT, got ${JSON.stringify(listen)}`);
  }
  if (url.pathname !== "/" && url.pathname !== "") {
    throw new Error(`--listen takes no path, got ${JSON.stringify(listen)}`);
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(explicitPort[1]) };
}
