import type { Transport, TransportHandlers } from "./transport.js";

class InProcessEnd implements Transport {
  readonly kind = "in-process" as const;
  peer!: InProcessEnd;
  private handlers: TransportHandlers | undefined;
  private backlog: string[] = [];
  private closed = false;
  private pendingBytes = 0;

  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
    for (const frame of this.backlog.splice(0)) handlers.message(frame);
  }

  send(frame: string): void {
    if (this.closed) return;
    this.pendingBytes += frame.length;
    // Delivered on a later tick, as a socket would, so neither side re-enters the other.
    setImmediate(() => {
      this.pendingBytes -= frame.length;
      this.peer.deliver(frame);
    });
  }

  bufferedBytes(): number {
    return this.pendingBytes;
  }

  private deliver(frame: string): void {
    if (this.closed) return;
    if (this.handlers) this.handlers.message(frame);
    else this.backlog.push(frame);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    setImmediate(() => {
      this.handlers?.closed();
      this.peer.close();
    });
  }
}

/** Two transports joined in memory: what one sends, the other receives. */
export function createInProcessTransportPair(): [Transport, Transport] {
  const a = new InProcessEnd();
  const b = new InProcessEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
