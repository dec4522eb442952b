import { isUtf8 } from "node:buffer";
import type { Readable, Writable } from "node:stream";
import {
  DEFAULT_MAX_FRAME_BYTES,
  InputValve,
  type Transport,
  type TransportHandlers,
  type TransportKind,
} from "./transport.js";

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines without ever holding more than `maxBytes` of one line: a
 * longer line is discarded as it streams in and reported once when its newline arrives.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversized: (bytes: number) => void,
    private readonly onUndecodable: () => void = () => {},
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (this.discarding || this.pendingBytes + piece.length > this.maxBytes) {
        this.discarding = true;
        this.pendingBytes += piece.length;
        this.pending = [];
      } else if (piece.length > 0) {
        this.pending.push(piece);
        this.pendingBytes += piece.length;
      }
      if (nl < 0) return;
      this.finishLine();
      start = nl + 1;
    }
  }

  /** Flushes a final line with no newline (end of stream). */
  end(): void {
    if (this.pendingBytes > 0 || this.discarding) this.finishLine();
  }

  private finishLine(): void {
    if (this.discarding) {
      this.onOversized(this.pendingBytes);
    } else if (this.pendingBytes > 0) {
      const buf =
        this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
      if (!isUtf8(buf)) {
        // Decoding would silently turn the bad bytes into U+FFFD and hand on a frame the peer
        // never sent.
        this.onUndecodable();
      } else {
        let line = buf.toString("utf8");
        if (line.endsWith("\r")) line = line.slice(0, -1);
        if (line.trim() !== "") this.onLine(line);
      }
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.discarding = false;
  }
}

export interface StreamTransportOptions {
  maxFrameBytes?: number;
  kind?: TransportKind;
}

/**
 * Newline-delimited JSON over a pair of streams: the app-server's stdin/stdout, or a client's
 * view of a child process's pipes.
 */
export class StreamTransport implements Transport {
  readonly kind: TransportKind;
  private readonly maxFrameBytes: number;
  private closedOnce = false;
  private readonly valve: InputValve;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    options: StreamTransportOptions = {},
  ) {
    this.kind = options.kind ?? "stdio";
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.valve = new InputValve({ pause: () => input.pause(), resume: () => input.resume() });
  }

  start(handlers: TransportHandlers): void {
    const valve = this.valve;
    const splitter = new LineSplitter(
      this.maxFrameBytes,
      (line) => valve.deliver(() => handlers.message(line)),
      (bytes) => valve.deliver(() => handlers.oversized(bytes)),
      () => valve.deliver(() => handlers.undecodable()),
    );
    const finish = (error?: Error) => {
      if (this.closedOnce) return;
      this.closedOnce = true;
      splitter.end();
      valve.deliver(() => handlers.closed(error));
    };
    this.input.on("data", (chunk: Buffer | string) =>
      splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk),
    );
    this.input.on("end", () => finish());
    this.input.on("close", () => finish());
    this.input.on("error", (err) => finish(err));
    // Output failing (EPIPE) ends the connection at once: nothing held can be answered.
    this.output.on("error", (err) => {
      if (this.closedOnce) return;
      this.closedOnce = true;
      handlers.closed(err);
    });
  }

  send(frame: string): void {
    if (this.closedOnce || this.output.destroyed) return;
    this.output.write(frame + "\n");
  }

  close(): void {
    this.input.destroy();
    if (this.output !== process.stdout) this.output.end();
  }

  canSend(): boolean {
    return !this.output.destroyed && this.output.writable;
  }

  bufferedBytes(): number {
    return this.output.writableLength;
  }

  pauseInput(): void {
    this.valve.pause();
  }

  resumeInput(): void {
    this.valve.resume();
  }

  abort(): void {
    this.input.destroy();
    // What is still buffered would never be read; process.stdout ignores destroy, and the
    // process exits once its one connection is gone.
    this.output.destroy();
  }
}
