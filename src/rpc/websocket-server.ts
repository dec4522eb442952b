import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { logger } from "../telemetry/index.js";
import { DEFAULT_FRAME_HARD_CAP_BYTES, DEFAULT_MAX_FRAME_BYTES, type Transport } from "./transport.js";
import { WebSocketTransport } from "./websocket-transport.js";

const log = logger("spool_rpc::websocket");

/** A listener that cannot start safely (non-loopback without a token, bad address). */
export class ListenError extends Error {
  override readonly name = "ListenError";
}

export interface WebSocketListenOptions {
  host: string;
  port: number;
  /** Bearer token every handshake must present; required off loopback. */
  token?: string;
  maxFrameBytes?: number;
  /** Past this a frame closes the connection (1009); default 64 MiB, never below maxFrameBytes. */
  frameHardCapBytes?: number;
  /** Rejected handshakes after the first are logged as one count per window (default 60 s). */
  rejectionLogWindowMs?: number;
  onConnection(transport: Transport, info: { remoteAddress: string }): void;
}

export interface WebSocketListener {
  /** `ws://host:port` with the port actually bound. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** 127.0.0.0/8, ::1 and `localhost` are loopback; everything else (0.0.0.0 included) is not. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1" || /^::ffff:127\./i.test(h);
  return false;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Constant-time check of an `Authorization: Bearer …` header against the expected token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  // Hashing first gives equal-length inputs, so timingSafeEqual never leaks the token's length.
  return timingSafeEqual(digest(m ? m[1]!.trim() : ""), digest(token)) && m !== null;
}

/**
 * Logs the first rejected handshake at once, then one count per window: a client hammering the
 * port with bad tokens must not flood the log.
 */
class RejectionLog {
  private count = 0;
  private readonly addresses = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly windowMs: number) {}

  rejected(reason: string, remoteAddress: string): void {
    if (this.timer === undefined) {
      log.warn(`websocket handshake rejected: ${reason}`, { remote_address: remoteAddress });
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
      return;
    }
    this.count++;
    if (this.addresses.size < 8) this.addresses.add(remoteAddress);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.count === 0) return;
    log.warn(`websocket handshakes rejected: ${this.count} more in the last ${this.windowMs / 1000} s`, {
      rejected: this.count,
      remote_addresses: [...this.addresses].join(","),
    });
    this.count = 0;
    this.addresses.clear();
    // The next one starts a new window (logged at once only if this window was quiet).
    this.timer = setTimeout(() => this.flush(), this.windowMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** How long a client has to answer our close frame before its socket is cut. */
const CLOSE_GRACE_MS = 500;

function reject(socket: Duplex, status: number, reason: string, extra = ""): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`);
}

/**
 * Serves JSON-RPC over WebSocket plus `GET /readyz` and `GET /healthz`. Any request carrying an
 * `Origin` header is refused with 403 (browsers must not reach a local agent server). Binds where
 * told; refuses to start off loopback without a token, and with a token rejects handshakes that
 * do not present it (401).
 */
export async function listenWebSocket(options: WebSocketListenOptions): Promise<WebSocketListener> {
  const token = options.token && options.token.length > 0 ? options.token : undefined;
  if (!isLoopbackHost(options.host) && !token) {
    throw new ListenError(
      `refusing to listen on non-loopback address ${options.host} without a token (--ws-token-file or SPOOL_WS_TOKEN)`,
    );
  }
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  // ws closes the socket (1009) past maxPayload; frames between our limit and this cap get a
  // JSON-RPC error instead and the connection lives.
  const hardCap = Math.max(maxFrameBytes, options.frameHardCapBytes ?? DEFAULT_FRAME_HARD_CAP_BYTES);
  const wss = new WebSocketServer({ noServer: true, maxPayload: hardCap, skipUTF8Validation: true });
  let accepting = true;
  const rejections = new RejectionLog(options.rejectionLogWindowMs ?? 60_000);
  // Read when the TCP connection arrives: a client that resets at once has no address later.
  const remoteAddresses = new WeakMap<object, string>();
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.origin !== undefined) {
      res.writeHead(403).end();
      return;
    }
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && (path === "/readyz" || path === "/healthz")) {
      const ok = path === "/healthz" || accepting;
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok\n" : "not ready\n");
      return;
    }
    res.writeHead(404).end();
  });
  http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the socket over without an error listener: a client that resets the connection
    // while we refuse it would otherwise crash the whole server.
    socket.on("error", () => socket.destroy());
    if (req.headers.origin !== undefined) return reject(socket, 403, "Forbidden");
    if (token && !bearerMatches(req.headers.authorization, token)) {
      rejections.rejected(
        "bad or missing bearer token",
        remoteAddresses.get(req.socket) ?? req.socket.remoteAddress ?? "unknown",
      );
      return reject(socket, 401, "Unauthorized", 'WWW-Authenticate: Bearer realm="spool"\r\n');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      options.onConnection(new WebSocketTransport(ws, maxFrameBytes), {
        remoteAddress: req.socket.remoteAddress ?? "",
      });
    });
  });
  http.on("connection", (socket) => remoteAddresses.set(socket, socket.remoteAddress ?? "unknown"));
  await new Promise<void>((resolve, rejectListen) => {
    http.once("error", rejectListen);
    http.listen(options.port, options.host, () => {
      http.off("error", rejectListen);
      resolve();
    });
  });
  const addr = http.address();
  const port = typeof addr === "object" && addr ? addr.port : options.port;
  const hostForUrl =
    options.host.includes(":") && !options.host.startsWith("[") ? `[${options.host}]` : options.host;
  return {
    url: `ws://${hostForUrl}:${port}`,
    port,
    async close() {
      accepting = false;
      rejections.stop();
      // A close frame (1001 going away) tells each client the server is stopping; one that does
      // not answer the closing handshake promptly is cut.
      const clients = [...wss.clients];
      await Promise.all(
        clients.map(
          (client) =>
            new Promise<void>((resolve) => {
              if (client.readyState === client.CLOSED) return resolve();
              const cut = setTimeout(() => client.terminate(), CLOSE_GRACE_MS);
              client.once("close", () => {
                clearTimeout(cut);
                resolve();
              });
              client.close(1001, "server shutting down");
            }),
        ),
      );
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
