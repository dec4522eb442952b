/** How a connection reaches us; becomes the `rpc.transport` span attribute. */
export type TransportKind = "stdio" | "websocket" | "in-process";

export interface TransportHandlers {
  /** One complete inbound message (a line, a text frame). */
  message(frame: string): void;
  /** An inbound message over the size limit was discarded; `bytes` is its size as far as read. */
  oversized(bytes: number): void;
  /** A frame the transport cannot carry as text (a binary WebSocket frame). */
  unsupported(reason: string): void;
  /** A frame whose bytes are not valid UTF-8: it cannot be JSON, so it is answered -32700. */
  undecodable(): void;
  /** The peer went away or the transport failed; called once. */
  closed(error?: Error): void;
}

/**
 * The small surface the JSON-RPC core needs from a transport: deliver frames, send frames, close.
 * It knows nothing of JSON.
 */
export interface Transport {
  readonly kind: TransportKind;
  /** Begins delivering inbound frames; called once. */
  start(handlers: TransportHandlers): void;
  send(frame: string): void;
  close(): void;
  /**
   * Bytes sent but not yet handed to the peer (or the OS). Lets a producer that can pause (a
   * child process's output) stop before an unbounded send buffer builds up.
   */
  bufferedBytes?(): number;
  /** False once frames can no longer reach the peer (backpressure then stops waiting for it). */
  canSend?(): boolean;
  /** Stops delivering inbound frames (backpressure: the peer is not reading its answers). */
  pauseInput?(): void;
  resumeInput?(): void;
  /**
   * Closes because the peer misbehaved (WebSocket: close code 1008 with `reason`, cut shortly
   * after if the peer does not answer). Without it, `close()` is used.
   */
  abort?(reason: string): void;
}

/** Default largest inbound message: 8 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

/**
 * Default hard cap on one WebSocket frame: 64 MiB. A WebSocket frame is buffered whole before it
 * can be judged, so frames between the limit and this cap are read, dropped and answered -32600;
 * past it the connection is closed (1009) with a logged reason. Stdio never buffers an oversized
 * line, so it needs no cap.
 */
export const DEFAULT_FRAME_HARD_CAP_BYTES = 64 * 1024 * 1024;

/**
 * Holds a transport's inbound events while its reader is paused. Pausing a stream stops new
 * chunks, not the frames of a chunk already read; those wait here (at most about one chunk) and
 * are delivered in order on resume, so a paused connection receives nothing.
 */
export class InputValve {
  private paused = false;
  private readonly held: (() => void)[] = [];

  constructor(private readonly source: { pause(): void; resume(): void }) {}

  deliver(event: () => void): void {
    if (this.paused || this.held.length > 0) this.held.push(event);
    else event();
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.source.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    // A delivered frame may pause the connection again; the rest keep waiting.
    while (!this.paused && this.held.length > 0) this.held.shift()!();
    if (!this.paused) this.source.resume();
  }
}
