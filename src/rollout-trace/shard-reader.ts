import { closeSync, constants, lstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { TraceRuleError } from "./errors.js";
import { RecordLengthError, RecordSplitter, shardFileName } from "./shard-format.js";
import { FrameDecoder, ZstdDecodeError } from "./zstd.js";

const READ_CHUNK = 1 << 20;

/** Limits of {@link ShardStore}. */
export interface ShardStoreOptions {
  /** Decompressed record bytes kept in memory at most; beyond it records are re-read on demand. */
  retainBytes?: number;
  /** Largest payload one record may declare (a hostile length is an error, not an allocation). */
  maxRecordBytes?: number;
  /** Called with compressed bytes as shard files are read. */
  onBytes?: (n: number) => void;
}

interface RecordEntry {
  length: number;
  /** `null` once released (consumed, or not retained under the memory budget). */
  bytes: Buffer | null;
}

/** What one pass over a shard found. */
export interface ShardScan {
  readonly n: number;
  /** The shard's last zstd frame is finished (Codex: the shard has its footer). */
  readonly sealed: boolean;
  /** Bytes of an incomplete record at the end of the decompressed data. */
  readonly partialTail: number;
  readonly records: ReadonlyMap<string, RecordEntry>;
}

/**
 * Payload shards of one schema-3 bundle (spec v3 §4): each shard is decoded in one streaming pass
 * the first time a payload in it is needed, its records indexed by id and, within a memory budget,
 * kept. Records of payloads read once are released after use, so memory follows what is still
 * referenced, not the bundle. Errors are {@link TraceRuleError}s worded like Codex 0.171's.
 */
export class ShardStore {
  private readonly scans = new Map<number, ShardScan & { records: Map<string, RecordEntry> }>();
  private retained = 0;
  private readonly retainBytes: number;
  private readonly maxRecordBytes: number;
  private payloadsChecked = false;
  private decoder: FrameDecoder | undefined;
  private readBuf: Buffer | undefined;
  private decoding = false;

  constructor(
    private readonly bundle: string,
    private readonly options: ShardStoreOptions = {},
  ) {
    this.retainBytes = options.retainBytes ?? 256 * 1024 * 1024;
    this.maxRecordBytes = options.maxRecordBytes ?? 1024 * 1024 * 1024;
  }

  /** The shard file's path, as Codex names it in errors. */
  path(n: number): string {
    return join(this.bundle, "payloads", shardFileName(n));
  }

  /** The shard file's path relative to the bundle (what error locations carry). */
  relative(n: number): string {
    return `payloads/${shardFileName(n)}`;
  }

  /** Decodes shard `n` once (later calls return the first result). */
  scan(n: number): ShardScan {
    const known = this.scans.get(n);
    if (known) return known;
    const records = new Map<string, RecordEntry>();
    const { sealed, partialTail } = this.decode(n, (id, payload) => {
      if (records.has(id)) {
        throw new TraceRuleError(`duplicate payload ${id} in shard ${n}`, this.relative(n));
      }
      const keep = this.retained + payload.length <= this.retainBytes;
      if (keep) this.retained += payload.length;
      records.set(id, { length: payload.length, bytes: keep ? payload : null });
    });
    if (sealed && partialTail > 0) {
      throw new TraceRuleError(`partial record in sealed shard ${n}`, this.relative(n));
    }
    const scan = { n, sealed, partialTail, records };
    this.scans.set(n, scan);
    return scan;
  }

  /** Whether record `id` exists in shard `n` (decoding the shard if needed). */
  has(id: string, n: number): boolean {
    return this.scan(n).records.has(id);
  }

  /** The payload bytes of record `id` in shard `n`; `release` drops them from memory after this read. */
  read(id: string, n: number, release = false): Buffer {
    const entry = this.scan(n).records.get(id);
    if (!entry) throw new TraceRuleError(`missing payload ${id} in shard ${n}`, this.relative(n));
    let bytes = entry.bytes;
    if (bytes === null) {
      // Released or never retained: one more streaming pass over the shard finds it.
      this.decode(n, (rid, payload) => {
        if (rid === id && bytes === null) bytes = payload;
      });
      if (bytes === null) throw new TraceRuleError(`missing payload ${id} in shard ${n}`, this.relative(n));
    } else if (release) {
      entry.bytes = null;
      this.retained -= entry.length;
    }
    return bytes;
  }

  /** Shards decoded so far, in number order. */
  scanned(): ShardScan[] {
    return [...this.scans.values()].sort((a, b) => a.n - b.n);
  }

  private checkPayloadsDir(): void {
    if (this.payloadsChecked) return;
    const dir = join(this.bundle, "payloads");
    try {
      if (lstatSync(dir).isSymbolicLink()) {
        throw new TraceRuleError(`payload directory ${dir} is a symlink`, "payloads");
      }
    } catch (err) {
      if (err instanceof TraceRuleError) throw err;
      // A missing directory surfaces as the shard's open error.
    }
    this.payloadsChecked = true;
  }

  private decode(
    n: number,
    onRecord: (id: string, payload: Buffer) => void,
  ): { sealed: boolean; partialTail: number } {
    this.checkPayloadsDir();
    const file = this.path(n);
    const rel = this.relative(n);
    let fd: number;
    try {
      // O_NOFOLLOW: a symlinked shard must not pull a file from outside the bundle into state.json.
      fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (cause) {
      const link = (cause as NodeJS.ErrnoException).code === "ELOOP";
      throw new TraceRuleError(link ? `payload shard ${file} is a symlink` : `open shard ${file}`, rel);
    }
    // One context for every shard of the bundle (see FrameDecoder.reset); a decode started from
    // inside another one's callback gets its own.
    const shared = !this.decoding;
    const decoder = shared ? (this.decoder ??= new FrameDecoder()) : new FrameDecoder();
    if (shared) {
      decoder.reset();
      this.decoding = true;
    }
    const splitter = new RecordSplitter((r) => onRecord(r.id, r.payload), this.maxRecordBytes);
    const chunk = shared ? (this.readBuf ??= Buffer.allocUnsafe(READ_CHUNK)) : Buffer.allocUnsafe(READ_CHUNK);
    try {
      for (;;) {
        let got: number;
        try {
          got = readSync(fd, chunk, 0, READ_CHUNK, null);
        } catch (cause) {
          throw new TraceRuleError(`read shard ${file}: ${(cause as Error).message}`, rel);
        }
        if (got === 0) break;
        this.options.onBytes?.(got);
        decoder.push(chunk.subarray(0, got), (data) => splitter.push(data));
      }
    } catch (err) {
      if (err instanceof ZstdDecodeError) {
        throw new TraceRuleError(
          `decompress shard ${file}: ${err.message} at compressed byte ${err.offset}`,
          rel,
        );
      }
      if (err instanceof RecordLengthError) {
        throw new TraceRuleError(
          `corrupt payload shard ${file}: ${err.message}, more than the ${this.maxRecordBytes}-byte limit`,
          rel,
        );
      }
      throw err;
    } finally {
      closeSync(fd);
      if (shared) this.decoding = false;
    }
    return { sealed: !decoder.frameOpen, partialTail: splitter.pending };
  }
}
