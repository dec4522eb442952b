import WebSocket from "ws";
import { isRetryableStatus } from "./backoff.js";
import { IdleTimeoutError, StreamDroppedError, WebSocketConnectError } from "./errors.js";
import { IdleTimer, type AttemptResult, type AttemptSink, type TerminalEvent } from "./attempt.js";
import type { ModelClientTelemetry } from "./telemetry.js";
import { isTerminalEvent, parseServerEvent, type MalformedEventError } from "./wire-events.js";

export interface WebSocketOpenOptions {
  headers: Record<string, string>;
  /** Bounds the opening handshake. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * One Responses-over-WebSocket connection. The API serves one response at a time per
 * connection, so `busy` guards against overlapping `response.create` messages.
 */
export class ResponsesWebSocket {
  busy = false;
  private closed = false;
  private onMessage: ((data: string) => void) | undefined;
  private onClose: ((reason: string) => void) | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      this.onMessage?.(data.toString());
    });
    ws.on("close", (code, reason) => {
      this.closed = true;
      this.onClose?.(`websocket closed (code ${code}${reason.length ? `: ${reason.toString()}` : ""})`);
    });
    ws.on("error", () => {
      // 'close' follows every 'error'; the attempt reports it there.
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Opens a connection; rejects with `WebSocketConnectError` on refusal, a non-101 answer or a
   * handshake not done within `timeoutMs`, or with the signal's reason when it aborts.
   */
  static open(url: string, o: WebSocketOpenOptions): Promise<ResponsesWebSocket> {
    return new Promise((resolve, reject) => {
      if (o.signal?.aborted) {
        reject(o.signal.reason);
        return;
      }
      const ws = new WebSocket(url, { headers: o.headers, perMessageDeflate: false });
      let settled = false;
      const settle = (err: unknown, conn?: ResponsesWebSocket) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        o.signal?.removeEventListener("abort", onAbort);
        if (conn) resolve(conn);
        else {
          ws.removeAllListeners();
          ws.on("error", () => {});
          ws.terminate();
          reject(err);
        }
      };
      const onAbort = () => settle(o.signal!.reason);
      o.signal?.addEventListener("abort", onAbort, { once: true });
      const timer = setTimeout(
        () => settle(new WebSocketConnectError(`websocket handshake not done within ${o.timeoutMs} ms`)),
        o.timeoutMs,
      );
      timer.unref();
      ws.once("open", () => {
        ws.removeAllListeners("error");
        ws.removeAllListeners("unexpected-response");
        settle(undefined, new ResponsesWebSocket(ws));
      });
      ws.once("unexpected-response", (_req, res) => {
        settle(
          new WebSocketConnectError(`websocket handshake answered HTTP ${res.statusCode}`, res.statusCode),
        );
      });
      ws.once("error", (err) =>
        settle(new WebSocketConnectError(`websocket connect failed: ${err.message}`)),
      );
    });
  }

  /**
   * Sends one `response.create` and delivers events until a terminal one, a close, the idle
   * timeout or the signal. Anything but a terminal event closes the connection (its state is
   * unknown), so a cancelled request never leaves a response streaming into a reused socket.
   */
  request(
    message: Record<string, unknown>,
    o: { idleTimeoutMs: number; signal?: AbortSignal; telemetry: ModelClientTelemetry },
    sink: AttemptSink,
  ): Promise<AttemptResult> {
    this.busy = true;
    sink.upstreamRequestId(null);
    const started = performance.now();
    return new Promise<AttemptResult>((resolve) => {
      let last = started;
      const done = (r: AttemptResult) => {
        idle.stop();
        this.onMessage = undefined;
        this.onClose = undefined;
        o.signal?.removeEventListener("abort", onAbort);
        const success = r.kind === "terminal" && r.event.type === "response.completed";
        o.telemetry.websocketRequest({
          duration_ms: Math.round(performance.now() - started),
          success,
          ...(success ? {} : { "error.message": "error" in r ? r.error.message : r.kind }),
        });
        if (r.kind !== "terminal" && r.kind !== "http_error") this.close();
        this.busy = false;
        resolve(r);
      };
      const idle = new IdleTimer(o.idleTimeoutMs, () =>
        done({ kind: "dropped", error: new IdleTimeoutError(o.idleTimeoutMs) }),
      );
      const onAbort = () => done({ kind: "cancelled", reason: o.signal!.reason });
      if (o.signal?.aborted) {
        onAbort();
        return;
      }
      o.signal?.addEventListener("abort", onAbort, { once: true });
      this.onClose = (reason) => done({ kind: "dropped", error: new StreamDroppedError(reason) });
      this.onMessage = (data) => {
        idle.poke();
        const now = performance.now();
        const duration_ms = Math.round(now - last);
        last = now;
        let ev;
        try {
          ev = parseServerEvent(data);
        } catch (err) {
          const e = err as MalformedEventError;
          o.telemetry.websocketEvent({
            "event.kind": e.eventType,
            duration_ms,
            success: false,
            "error.message": e.message,
          });
          done({ kind: "malformed", error: e });
          return;
        }
        const kind = ev?.type ?? kindOf(data);
        o.telemetry.websocketEvent({ "event.kind": kind, duration_ms, success: true });
        if (!ev) return;
        // Over WebSocket a rate limit or server error arrives as an `error` event with the HTTP
        // status: retried like the HTTP status would be.
        if (ev.type === "error" && typeof ev.status === "number" && isRetryableStatus(ev.status)) {
          const message = ev.error?.message ?? ev.message ?? "";
          done({ kind: "http_error", status: ev.status, body: message, retryAfterMs: undefined });
          return;
        }
        sink.event(ev);
        if (isTerminalEvent(ev)) done({ kind: "terminal", event: ev as TerminalEvent });
      };
      if (this.closed) {
        done({ kind: "dropped", error: new StreamDroppedError("websocket already closed") });
        return;
      }
      this.ws.send(JSON.stringify(message), (err) => {
        if (err)
          done({ kind: "dropped", error: new StreamDroppedError(`websocket send failed: ${err.message}`) });
      });
    });
  }

  /** Closes the connection; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.ws.close();
    } catch {
      this.ws.terminate();
    }
    // A peer that never answers the close frame must not keep the socket alive.
    const t = setTimeout(() => this.ws.terminate(), 1000);
    t.unref();
  }
}

function kindOf(data: string): string {
  const m = /"type"\s*:\s*"([^"]+)"/.exec(data);
  return m?.[1] ?? "unknown";
}

/** `http(s)://host/v1` → `ws(s)://host/v1/responses?...`. */
export function websocketUrl(httpUrl: string): string {
  const u = new URL(httpUrl);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.toString();
}
