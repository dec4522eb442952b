import { createRequire } from "node:module";
import type * as ZstdBinding from "zstd-napi/binding.js";

/**
 * The only module that touches zstd. We use zstd-napi's low-level binding (libzstd's
 * `ZSTD_compressStream2` / `ZSTD_decompressStream`) because the schema-3 shard layout needs a flush
 * after every record inside one frame, which one-shot APIs cannot express. The binding is CommonJS
 * with a computed `module.exports`, so it is loaded through `require`.
 */
const zstd = createRequire(import.meta.url)("zstd-napi/binding.js") as typeof ZstdBinding;

/** Codex 0.171's shard frame: XXH64 checksum, no content size, 8 MiB window (header `28 b5 2f fd 04 68`). */
const WINDOW_LOG = 23;
const DEFAULT_LEVEL = 3;
const EMPTY = Buffer.alloc(0);

/**
 * Compresses one shard: a single zstd frame in which every record ends on a block boundary.
 * Not thread-safe, not reentrant; one per open shard.
 */
export class ShardCompressor {
  private readonly cctx = new zstd.CCtx();
  private readonly out = Buffer.allocUnsafe(zstd.cStreamOutSize());

  constructor(level = DEFAULT_LEVEL) {
    this.cctx.setParameter(zstd.CParameter.compressionLevel, level);
    this.cctx.setParameter(zstd.CParameter.windowLog, WINDOW_LOG);
    this.cctx.setParameter(zstd.CParameter.checksumFlag, 1);
    this.cctx.setParameter(zstd.CParameter.contentSizeFlag, 0);
  }

  /** Compresses `chunks` and flushes: every byte handed in so far is decodable from the output. */
  flush(chunks: readonly Buffer[]): Buffer {
    const parts: Buffer[] = [];
    for (const chunk of chunks) this.run(chunk, zstd.EndDirective.continue, parts);
    this.run(EMPTY, zstd.EndDirective.flush, parts);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Compresses `chunks` and ends the frame in one step (the record and the footer together). */
  end(chunks: readonly Buffer[] = []): Buffer {
    const parts: Buffer[] = [];
    for (const chunk of chunks) this.run(chunk, zstd.EndDirective.continue, parts);
    this.run(EMPTY, zstd.EndDirective.end, parts);
    return Buffer.concat(parts);
  }

  private run(input: Buffer, op: ZstdBinding.EndDirective, parts: Buffer[]): void {
    let src = input;
    for (;;) {
      const [remaining, produced, consumed] = this.cctx.compressStream2(this.out, src, op);
      if (produced > 0) parts.push(Buffer.from(this.out.subarray(0, produced)));
      src = src.subarray(consumed);
      if (op === zstd.EndDirective.continue ? src.length === 0 : remaining === 0 && src.length === 0) return;
    }
  }
}

/** The size of `data` compressed on its own (one frame): what a record would cost the byte budget. */
export function compressedSize(data: Buffer, level = DEFAULT_LEVEL): number {
  const dst = Buffer.allocUnsafe(zstd.compressBound(data.length));
  return zstd.compress(dst, data, level);
}

/** libzstd rejected the input; `offset` is the compressed byte at which the failing call started. */
export class ZstdDecodeError extends Error {
  override readonly name = "ZstdDecodeError";
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Streaming decoder for a sequence of zstd frames. `push` hands decompressed bytes to `onData`
 * (views into a reused buffer: copy what you keep). `frameOpen` tells whether the input so far
 * ends inside a frame (a missing footer) — Codex's "sealed" test. {@link reset} starts a new
 * input (the next shard) on the same context.
 */
export class FrameDecoder {
  private readonly dctx = new zstd.DCtx();
  private readonly out = Buffer.allocUnsafe(zstd.dStreamOutSize());
  private consumedTotal = 0;
  private open = false;
  private frames = 0;

  constructor() {
    // Frames from other writers may use a bigger window than ours; accept up to 2 GiB, like the CLI's --long=31.
    this.dctx.setParameter(zstd.DParameter.windowLogMax, 31);
  }

  /**
   * Forgets the input so far (also after a decode error) and keeps the context's buffers: a new
   * context allocates its window (8 MiB for Codex's shards) afresh, and the page faults of that
   * fresh memory cost more than the decompression itself (measured: 277 MB of shards decode in
   * 120 ms on one reset context, 466 ms with a new context per shard).
   */
  reset(): void {
    this.dctx.reset(zstd.ResetDirective.sessionOnly);
    this.consumedTotal = 0;
    this.open = false;
    this.frames = 0;
  }

  push(input: Buffer, onData: (chunk: Buffer) => void): void {
    let src = input;
    for (;;) {
      let result: [number, number, number];
      try {
        result = this.dctx.decompressStream(this.out, src);
      } catch (err) {
        throw new ZstdDecodeError((err as Error).message, this.consumedTotal);
      }
      const [remaining, produced, consumed] = result;
      this.consumedTotal += consumed;
      src = src.subarray(consumed);
      if (consumed > 0 || produced > 0) this.open = remaining !== 0;
      if (remaining === 0 && (consumed > 0 || produced > 0)) this.frames++;
      if (produced > 0) onData(this.out.subarray(0, produced));
      if (src.length === 0 && produced < this.out.length) return;
    }
  }

  /** Whether the bytes pushed so far end inside an unfinished frame (or hold no frame at all). */
  get frameOpen(): boolean {
    return this.open || this.frames === 0;
  }

  get compressedBytes(): number {
    return this.consumedTotal;
  }
}
