import { isUtf8 } from "node:buffer";
import type { RawData, WebSocket } from "ws";
import { logger } from "../telemetry/index.js";
import { DEFAULT_MAX_FRAME_BYTES, InputValve, type Transport, type TransportHandlers } from "./transport.js";

/** How long an aborted peer has to answer the close frame before its socket is cut. */
const ABORT_GRACE_MS = 1000;

/** One JSON-RPC message per text frame over an open `ws` socket (server or client side). */
export class WebSocketTransport implements Transport {
  readonly kind = "websocket" as const;
  private readonly valve: InputValve;

  constructor(
    private readonly socket: WebSocket,
    private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
  ) {
    this.valve = new InputValve({ pause: () => socket.pause(), resume: () => socket.resume() });
  }

  start(handlers: TransportHandlers): void {
    let closed = false;
    const finish = (error?: Error) => {
      if (closed) return;
      closed = true;
      handlers.closed(error);
    };
    const onMessage = (data: RawData, isBinary: boolean): void => {
      const bytes = Array.isArray(data)
        ? data.reduce((n, b) => n + b.length, 0)
        : data instanceof ArrayBuffer
          ? data.byteLength
          : data.length;
      if (bytes > this.maxFrameBytes) return handlers.oversized(bytes);
      if (isBinary)
        return handlers.unsupported("Invalid request: binary frames are not supported; send text frames");
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      // The server skips ws's own UTF-8 check (it closes with 1007 and no answer), so the frame
      // is checked here and answered -32700 instead.
      if (!isUtf8(buf)) return handlers.undecodable();
      handlers.message(buf.toString("utf8"));
    };
    this.socket.on("message", (data: RawData, isBinary: boolean) =>
      this.valve.deliver(() => onMessage(data, isBinary)),
    );
    this.socket.on("close", () => this.valve.deliver(() => finish()));
    this.socket.on("error", (err: Error & { code?: string }) => {
      if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH")
        logger("spool_rpc::websocket").warn("websocket closed: frame over the hard cap", {
          error: err.message,
        });
      finish(err);
    });
  }

  send(frame: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(frame);
  }

  close(): void {
    this.socket.close();
  }

  canSend(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  pauseInput(): void {
    this.valve.pause();
  }

  resumeInput(): void {
    this.valve.resume();
  }

  abort(reason: string): void {
    // 1008 policy violation; a peer that does not read will not see the close frame either, so
    // its socket is cut after a moment.
    this.socket.close(1008, reason);
    setTimeout(() => this.socket.terminate(), ABORT_GRACE_MS).unref();
  }
}
