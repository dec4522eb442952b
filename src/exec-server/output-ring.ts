import type { ExecOutputStream } from "../protocol/index.js";

export interface RetainedChunk {
  readonly seq: number;
  readonly stream: ExecOutputStream;
  readonly bytes: Buffer;
}

const MAX_EVICTION_HISTORY = 4096;

/**
 * A process's retained output: the newest chunks up to `capacityBytes`, oldest evicted first,
 * so a command printing gigabytes holds only a bounded tail. Remembers how many bytes it
 * evicted after a given seq so a reader can be told what it missed.
 */
export class OutputRing {
  private chunks: RetainedChunk[] = [];
  private head = 0;
  private retainedBytes = 0;
  private evictedBytes = 0;
  // Parallel arrays: seq of an evicted chunk, and total evicted bytes once it was gone.
  private evictedSeqs: number[] = [];
  private evictedTotals: number[] = [];
  private forgottenTotal = 0;

  constructor(readonly capacityBytes: number) {}

  get bytes(): number {
    return this.retainedBytes;
  }

  push(chunk: RetainedChunk): void {
    this.chunks.push(chunk);
    this.retainedBytes += chunk.bytes.length;
    while (this.retainedBytes > this.capacityBytes) if (this.evictOldest() === 0) break;
  }

  /**
   * Evicts the oldest retained chunk (readers are told through `droppedBytes`); returns its size,
   * 0 when nothing is left. Lets a session keep the total across its processes under a cap.
   */
  evictOldest(): number {
    if (this.head >= this.chunks.length) return 0;
    const evicted = this.chunks[this.head]!;
    this.chunks[this.head++] = undefined as unknown as RetainedChunk;
    this.retainedBytes -= evicted.bytes.length;
    this.evictedBytes += evicted.bytes.length;
    this.evictedSeqs.push(evicted.seq);
    this.evictedTotals.push(this.evictedBytes);
    this.compact();
    return evicted.bytes.length;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    if (this.evictedSeqs.length > MAX_EVICTION_HISTORY) {
      const cut = this.evictedSeqs.length - MAX_EVICTION_HISTORY / 2;
      this.forgottenTotal = this.evictedTotals[cut - 1]!;
      this.evictedSeqs.splice(0, cut);
      this.evictedTotals.splice(0, cut);
    }
  }

  /**
   * Chunks with seq > `afterSeq`, at least one and then while within `maxBytes` (Codex's rule),
   * plus the bytes after `afterSeq` already evicted (a lower bound once history is trimmed).
   */
  read(afterSeq: number, maxBytes: number): { chunks: RetainedChunk[]; droppedBytes: number } {
    const out: RetainedChunk[] = [];
    let total = 0;
    for (let i = this.firstAfter(afterSeq); i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      if (out.length > 0 && total + c.bytes.length > maxBytes) break;
      out.push(c);
      total += c.bytes.length;
      if (total >= maxBytes) break;
    }
    return { chunks: out, droppedBytes: this.evictedBytes - this.evictedThrough(afterSeq) };
  }

  private firstAfter(afterSeq: number): number {
    let lo = this.head;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.chunks[mid]!.seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Total evicted bytes once every chunk with seq <= `afterSeq` had been evicted. */
  private evictedThrough(afterSeq: number): number {
    let lo = 0;
    let hi = this.evictedSeqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.evictedSeqs[mid]! <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) return this.evictedTotals[lo - 1]!;
    return afterSeq === 0 ? 0 : this.forgottenTotal;
  }
}
