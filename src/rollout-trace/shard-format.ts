/**
 * Schema-3 payload records (spec v3 §4.2): the decompressed shard is a plain concatenation of
 * `[u16 LE id_len][u64 LE payload_len][id bytes][payload bytes]`, no header, index or padding.
 */

export const RECORD_HEADER_BYTES = 10;
/** Codex seals a shard before a record that would take it past this many uncompressed bytes. */
export const SHARD_ROTATE_BYTES = 8 * 1024 * 1024;
/** Records up to this size are copied into one buffer of their declared length. */
const PREALLOCATE_BYTES = 16 * 1024 * 1024;

/** The shard file name for shard `n`: `payloads/000001.zst` (six digits, zero-padded). */
export function shardFileName(n: number): string {
  return `${String(n).padStart(6, "0")}.zst`;
}

/** The header of a record; the id and payload bytes follow it. */
export function recordHeader(idBytes: number, payloadBytes: number): Buffer {
  if (idBytes > 0xffff) throw new RangeError(`payload id of ${idBytes} bytes is longer than 65535`);
  const h = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  h.writeUInt16LE(idBytes, 0);
  h.writeBigUInt64LE(BigInt(payloadBytes), 2);
  return h;
}

/** One record found in a shard: its id and its payload bytes. */
export interface ShardRecord {
  id: string;
  payload: Buffer;
  /** Offset of the record's header in the decompressed shard. */
  offset: number;
}

/**
 * Splits a stream of decompressed shard bytes into records, across arbitrary chunk boundaries.
 * A record is emitted only when complete; `pending` is the byte count of an incomplete tail.
 */
export class RecordSplitter {
  private chunks: Buffer[] = [];
  /** The record being filled, when it is preallocated. */
  private body: Buffer | null = null;
  private buffered = 0;
  private need = RECORD_HEADER_BYTES;
  private header: { idLen: number; payloadLen: number } | null = null;
  private position = 0;

  constructor(
    private readonly onRecord: (record: ShardRecord) => void,
    /** Largest payload a record may declare; a larger length is treated as corruption. */
    private readonly maxPayloadBytes: number,
  ) {}

  push(chunk: Buffer): void {
    let rest = chunk;
    while (rest.length > 0) {
      const take = Math.min(this.need - this.buffered, rest.length);
      // The decoder reuses its output buffer, so what outlives this call is copied: straight into
      // the record's own buffer when its size is known and modest (one copy, no concat), else as
      // pieces, so a hostile length costs only the bytes that really arrive.
      if (this.buffered === 0 && this.need <= PREALLOCATE_BYTES && take < this.need) {
        this.body = Buffer.allocUnsafe(this.need);
      }
      if (this.body) rest.copy(this.body, this.buffered, 0, take);
      else this.chunks.push(Buffer.from(rest.subarray(0, take)));
      this.buffered += take;
      rest = rest.subarray(take);
      if (this.buffered < this.need) return;
      const data = this.body ?? (this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks));
      this.body = null;
      this.chunks = [];
      this.buffered = 0;
      if (this.header === null) {
        const idLen = data.readUInt16LE(0);
        const payloadLen = data.readBigUInt64LE(2);
        if (payloadLen > BigInt(this.maxPayloadBytes)) {
          throw new RecordLengthError(this.position, payloadLen);
        }
        this.header = { idLen, payloadLen: Number(payloadLen) };
        this.need = idLen + this.header.payloadLen;
        if (this.need === 0) this.emit(Buffer.alloc(0));
      } else this.emit(data);
    }
  }

  private emit(body: Buffer): void {
    const { idLen } = this.header!;
    this.onRecord({
      id: body.toString("utf8", 0, idLen),
      payload: body.subarray(idLen),
      offset: this.position,
    });
    this.position += RECORD_HEADER_BYTES + body.length;
    this.header = null;
    this.need = RECORD_HEADER_BYTES;
  }

  /** Bytes of an incomplete record at the end of the data (0 when the data ends on a record boundary). */
  get pending(): number {
    return this.header === null ? this.buffered : RECORD_HEADER_BYTES + this.buffered;
  }
}

/** A record header declares a payload larger than any the reader accepts. */
export class RecordLengthError extends Error {
  override readonly name = "RecordLengthError";
  constructor(
    readonly offset: number,
    readonly declared: bigint,
  ) {
    super(`record at decompressed offset ${offset} declares ${declared} payload bytes`);
  }
}
