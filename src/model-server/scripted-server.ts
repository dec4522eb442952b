import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { RequestLogFile, type RequestLogEntry } from "./request-log.js";
import { parseModelScript, type ModelScript, type ModelScriptInput } from "./script.js";
import { handleScriptedHttp } from "./scripted-http.js";
import { ScriptedState, isResponsesPath } from "./scripted-state.js";
import { handleScriptedWebSocket } from "./scripted-websocket.js";

export interface ScriptedModelServerOptions {
  /** A validated script, or a plain object validated here. */
  script: ModelScript | ModelScriptInput;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only: the scripted server has no authentication. */
  host?: "127.0.0.1" | "::1" | "localhost";
  /** Appends each finished request as a JSON line. */
  logFile?: string;
}

export interface ScriptedModelServer {
  /** Base URL for a provider's `base_url`, e.g. `http://127.0.0.1:4567/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every request so far, in arrival order (entries update until `ended`). */
  readonly requests: readonly RequestLogEntry[];
  /** Resolves with the first entry (already seen or future) matching `predicate`. */
  waitFor(predicate: (e: RequestLogEntry) => boolean): Promise<RequestLogEntry>;
  /** Stops listening and drops every connection (hung ones included). */
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "::1" || host === "localhost";
}

/**
 * Starts the scripted model server: the Responses API over HTTP SSE (`POST /v1/responses`) and
 * WebSocket (`GET /v1/responses` upgrade), playing `script` one step per generating request.
 *
 * @example
 * const server = await startScriptedModelServer({ script: { responses: [{ output: [{ type: "message", text: "hi" }] }] } });
 * // provider base_url = server.url
 */
export async function startScriptedModelServer(
  options: ScriptedModelServerOptions,
): Promise<ScriptedModelServer> {
  const script = parseModelScript(options.script);
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host)) throw new Error(`scripted model server binds to loopback only, not ${host}`);
  const state = new ScriptedState(script, options.logFile ? new RequestLogFile(options.logFile) : undefined);
  const sockets = new Set<Socket | Duplex>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server = createServer((req, res) => {
    handleScriptedHttp(state, req, res).catch((err: unknown) => {
      // Every HTTP response carries its own x-request-id, the crashed ones too.
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json", "x-request-id": state.newRequestId() });
      }
      res.end(JSON.stringify({ error: { message: String(err), type: "server_error" } }));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  let handshakes = 0;
  let connections = 0;
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const modes = script.websocket.handshake;
    const mode = Array.isArray(modes) ? modes[Math.min(handshakes, modes.length - 1)]! : modes;
    handshakes++;
    if (!isResponsesPath(req.url)) {
      socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    if (mode === "hang") return; // never answer the upgrade
    if (mode === "reject") {
      const status = script.websocket.reject_status;
      socket.end(`HTTP/1.1 ${status} Scripted Rejection\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    const connection = ++connections;
    wss.handleUpgrade(req, socket, head, (ws) => handleScriptedWebSocket(state, ws, req, connection));
  });
  server.listen(options.port ?? 0, host);
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostPart}:${port}/v1`,
    port,
    requests: state.entries,
    waitFor: (p) => state.waitFor(p),
    close() {
      closing ??= (async () => {
        for (const c of wss.clients) c.terminate();
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}
