import type { Transport } from "./transport.js";

/** Default bound on one connection's unsent outbound bytes: 4 MiB. */
export const DEFAULT_MAX_OUTBOUND_BYTES = 4 * 1024 * 1024;

/** Default time a connection over its bound may go without taking a byte before it is closed. */
export const DEFAULT_OUTBOUND_STALL_MS = 30_000;

/** How often a blocked gate looks at the transport's buffer (it has no drain event for all kinds). */
const POLL_MS = 10;

export interface OutboundLimits {
  /** Unsent bytes past which the connection stops reading (0: unbounded). */
  maxOutboundBytes?: number;
  /** Over the bound this long without progress, the connection is closed. */
  outboundStallMs?: number;
}

/** What the gate asks of its connection. */
export interface OutboundGateHooks {
  /** Over the bound (true): stop reading the peer; caught up or gone (false): read again. */
  blocked(on: boolean): void;
  /** Over the bound with no progress for the stall time: close the connection. */
  stalled(bufferedBytes: number, stallMs: number): void;
}

/**
 * Backpressure for one connection. A client that does not read its answers makes the transport's
 * send buffer grow; past the bound the gate has the connection stop reading (no more requests are
 * read, so none are answered into the buffer) and holds the dispatch loop, and releases both once
 * the buffer is down to half (or the peer can no longer be written to). If the buffer stays over the bound with no byte taken for the stall
 * time, `onStall` closes the connection: a client that never reads costs a bounded buffer for a
 * bounded time.
 */
export class OutboundGate {
  private readonly max: number;
  private readonly stallMs: number;
  private blocked = false;
  private waiters: (() => void)[] = [];
  private poll: NodeJS.Timeout | undefined;
  private lastBuffered = 0;
  private lastProgress = 0;
  private stopped = false;

  constructor(
    private readonly transport: Transport,
    limits: OutboundLimits,
    private readonly hooks: OutboundGateHooks,
  ) {
    this.max = limits.maxOutboundBytes ?? DEFAULT_MAX_OUTBOUND_BYTES;
    this.stallMs = limits.outboundStallMs ?? DEFAULT_OUTBOUND_STALL_MS;
  }

  private buffered(): number {
    return this.transport.bufferedBytes?.() ?? 0;
  }

  /** Called after each frame is handed to the transport. */
  sent(): void {
    if (this.blocked || this.stopped || this.max <= 0) return;
    const buffered = this.buffered();
    if (buffered <= this.max) return;
    this.blocked = true;
    this.lastBuffered = buffered;
    this.lastProgress = Date.now();
    this.hooks.blocked(true);
    // Kept referenced: a blocked stdio connection has paused stdin, and with its send buffer
    // drained between polls nothing else would keep the process alive (it would exit with 13,
    // its top-level await unsettled). The stall deadline bounds how long this can hold.
    this.poll = setInterval(() => this.check(), POLL_MS);
  }

  /** Undefined while the client keeps up; else resolves once it has caught up (or the gate stopped). */
  whenOpen(): Promise<void> | undefined {
    if (!this.blocked) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The connection is gone: release everyone waiting, stop polling. */
  stop(): void {
    this.stopped = true;
    this.open();
  }

  private check(): void {
    if (this.transport.canSend?.() === false) return this.open();
    const buffered = this.buffered();
    if (buffered <= this.max / 2) return this.open();
    const now = Date.now();
    if (buffered < this.lastBuffered) this.lastProgress = now;
    this.lastBuffered = buffered;
    if (now - this.lastProgress >= this.stallMs) {
      this.stopped = true;
      this.open();
      this.hooks.stalled(buffered, this.stallMs);
    }
  }

  private open(): void {
    clearInterval(this.poll);
    this.poll = undefined;
    if (!this.blocked) return;
    this.blocked = false;
    this.hooks.blocked(false);
    for (const w of this.waiters.splice(0)) w();
  }
}
