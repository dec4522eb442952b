import { createHash, randomBytes } from "node:crypto";
import type { PayloadCapture, RawPayloadKindNameV3, RawPayloadRefV3 } from "./schema.js";
import { RECORD_HEADER_BYTES, SHARD_ROTATE_BYTES, recordHeader } from "./shard-format.js";
import { ShardCompressor, compressedSize } from "./zstd.js";

/** Limits of a schema-3 writer: Codex 0.171's `[rollout_trace]` keys. */
export interface ShardLimits {
  /** Largest payload stored whole, in bytes of compact JSON; larger ones are fragmented or truncated. */
  maxPayloadBytes?: number | undefined;
  /** Byte budget of the whole bundle; once spent, further payloads are omitted (events never are). */
  maxBytes?: number | undefined;
  /** Prefix of generated payload ids (default `raw_payload:`, then a counter from 1). */
  idPrefix?: string;
}

/** Compressed bytes to append to one shard file. */
export interface ShardChunk {
  shard: number;
  data: Buffer;
}

/**
 * The synchronous core of a schema-3 payload writer (spec v3 §4, §6, §7, §9): serializes payloads
 * compactly, fragments prepared prompts (always) and oversize requests and model items into
 * reusable `model_item` / `content_value` parts, truncates other oversize payloads, omits payloads
 * once the byte budget is spent, and frames records into zstd shards with a flush after every
 * record, rotating shards at 8 MiB. It does no I/O: callers take {@link drain}ed chunks and append
 * them to `payloads/<shard>.zst`, payloads before the events that reference them.
 */
export class ShardWriter {
  private shard = 0;
  private compressor: ShardCompressor | null = null;
  private shardBytes = 0;
  private ordinal = 0;
  private pending: ShardChunk[] = [];
  private compressedTotal = 0;
  private otherBytes = 0;
  private readonly reuse = new Map<string, RawPayloadRefV3>();
  private readonly maxPayloadBytes: number;
  private readonly maxBytes: number;
  private readonly idPrefix: string;
  private fixedId: string | undefined;
  /** Placeholder tokens embed this nonce so that no payload text can collide with one. */
  private readonly nonce = randomBytes(8).toString("hex");

  constructor(limits: ShardLimits = {}) {
    this.maxPayloadBytes = limits.maxPayloadBytes ?? Number.POSITIVE_INFINITY;
    this.maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
    this.idPrefix = limits.idPrefix ?? "raw_payload:";
  }

  /** Counts bytes written outside the shards (manifest, `trace.jsonl`) against the budget. */
  account(bytes: number): void {
    this.otherBytes += bytes;
  }

  /** Bytes the bundle holds so far by the budget's measure. */
  get usedBytes(): number {
    return this.otherBytes + this.compressedTotal;
  }

  /**
   * Stores one payload and returns its ref (key order as Codex writes it). `id` names the
   * payload itself (its fragments get generated ids); by default it is generated too.
   */
  write(kind: RawPayloadKindNameV3, value: unknown, id?: string): RawPayloadRefV3 {
    this.fixedId = id;
    try {
      return this.writeValue(kind, value);
    } finally {
      this.fixedId = undefined;
    }
  }

  private writeValue(kind: RawPayloadKindNameV3, value: unknown): RawPayloadRefV3 {
    const text = JSON.stringify(value) ?? "null";
    if (kind === "prepared_prompt" && isInputHolder(value)) return this.fragmentInput(kind, value, text);
    if (kind === "inference_request" && isInputHolder(value) && byteLength(text) > this.maxPayloadBytes) {
      return this.fragmentInput(kind, value, text);
    }
    if (kind === "model_item") return this.modelItem(value, text);
    return this.whole(kind, text, true, true);
  }

  /** Ends the open shard's frame (its footer); the next payload opens a new shard. */
  seal(): void {
    if (!this.compressor) return;
    this.emit(this.compressor.end());
    this.compressor = null;
  }

  /** Takes the compressed bytes produced since the last call, in write order. */
  drain(): ShardChunk[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /** The current shard number (0 before the first record). */
  get currentShard(): number {
    return this.shard;
  }

  private nextId(outermost: boolean): string {
    if (outermost && this.fixedId !== undefined) return this.fixedId;
    return `${this.idPrefix}${++this.ordinal}`;
  }

  /** A `prepared_prompt` or big `inference_request`: the `input` items become `model_item` parts. */
  private fragmentInput(
    kind: RawPayloadKindNameV3,
    value: { input: unknown[] },
    text: string,
  ): RawPayloadRefV3 {
    // Parts first: their ids are smaller than the template's, as in Codex.
    const parts = value.input.map((item) => this.modelItem(item, JSON.stringify(item) ?? "null"));
    const tokens = value.input.map((_, i) => this.token(i));
    const template = this.splitAt(JSON.stringify({ ...value, input: tokens }), tokens);
    return this.template(kind, template, parts, byteLength(text), true);
  }

  /** A model item, reused when identical; its oversize strings become `content_value` parts. */
  private modelItem(item: unknown, text: string): RawPayloadRefV3 {
    const key = `m:${digest(text)}`;
    const known = this.reuse.get(key);
    if (known) return known;
    let ref: RawPayloadRefV3;
    // A model item is never truncated as a whole: only its oversize strings are cut, as parts.
    if (byteLength(text) <= this.maxPayloadBytes) ref = this.whole("model_item", text, false);
    else {
      const values: string[] = [];
      const tokenized = this.replaceBigStrings(item, values);
      if (values.length === 0) ref = this.whole("model_item", text, false);
      else {
        const parts = values.map((v) => this.contentValue(v));
        const tokens = values.map((_, i) => this.token(i));
        const template = this.splitAt(JSON.stringify(tokenized), tokens);
        ref = this.template("model_item", template, parts, byteLength(text));
      }
    }
    this.reuse.set(key, ref);
    return ref;
  }

  private contentValue(literal: string): RawPayloadRefV3 {
    const key = `c:${digest(literal)}`;
    const known = this.reuse.get(key);
    if (known) return known;
    const ref = this.whole("content_value", literal, true);
    this.reuse.set(key, ref);
    return ref;
  }

  /**
   * Clones `value` with every string whose JSON literal exceeds the limit replaced by a token,
   * numbered in document order (iterative: payload depth never meets the call stack).
   */
  private replaceBigStrings(value: unknown, out: string[]): unknown {
    const stack: { src: unknown; set: (v: unknown) => void }[] = [];
    let root: unknown;
    stack.push({ src: value, set: (v) => (root = v) });
    while (stack.length > 0) {
      const { src, set } = stack.pop()!;
      if (typeof src === "string") {
        const literal = JSON.stringify(src);
        if (byteLength(literal) > this.maxPayloadBytes) {
          set(this.token(out.length));
          out.push(literal);
        } else set(src);
      } else if (Array.isArray(src)) {
        const copy: unknown[] = new Array<unknown>(src.length);
        set(copy);
        for (let i = src.length - 1; i >= 0; i--) stack.push({ src: src[i], set: (v) => (copy[i] = v) });
      } else if (src !== null && typeof src === "object") {
        const copy: Record<string, unknown> = {};
        set(copy);
        const entries = Object.entries(src as Record<string, unknown>);
        for (const [k] of entries) copy[k] = undefined;
        for (let i = entries.length - 1; i >= 0; i--) {
          const [k, v] = entries[i]!;
          stack.push({ src: v, set: (x) => (copy[k] = x) });
        }
      } else set(src);
    }
    return root;
  }

  private token(i: number): string {
    return `\u0000spool-fragment:${this.nonce}:${i}\u0000`;
  }

  /** Splits serialized JSON at each token's string literal (tokens may appear in any order). */
  private splitAt(text: string, tokens: readonly string[]): string[] {
    const literals = tokens.map((t) => JSON.stringify(t));
    const pieces: string[] = [];
    let from = 0;
    for (const literal of literals) {
      const at = text.indexOf(literal, from);
      if (at === -1) throw new Error("fragment token lost in serialization");
      pieces.push(text.slice(from, at));
      from = at + literal.length;
    }
    pieces.push(text.slice(from));
    return pieces;
  }

  /** A fragment template: never truncated (Codex stores 20–37 KB templates under a 1000-byte limit). */
  private template(
    kind: RawPayloadKindNameV3,
    template: string[],
    parts: RawPayloadRefV3[],
    originalBytes: number,
    outermost = false,
  ): RawPayloadRefV3 {
    const bytes = Buffer.from(JSON.stringify(template), "utf8");
    return this.store(kind, bytes, parts, originalBytes, false, outermost);
  }

  private whole(
    kind: RawPayloadKindNameV3,
    text: string,
    truncatable: boolean,
    outermost = false,
  ): RawPayloadRefV3 {
    const bytes = Buffer.from(text, "utf8");
    return this.store(kind, bytes, [], bytes.length, truncatable, outermost);
  }

  private store(
    kind: RawPayloadKindNameV3,
    payload: Buffer,
    parts: RawPayloadRefV3[],
    originalBytes: number,
    truncatable: boolean,
    outermost = false,
  ): RawPayloadRefV3 {
    const id = this.nextId(outermost);
    let stored = payload;
    let capture: PayloadCapture | undefined;
    if (truncatable && payload.length > this.maxPayloadBytes) {
      stored = payload.subarray(0, utf8Boundary(payload, this.maxPayloadBytes));
      capture = { status: "truncated", original_bytes: payload.length, retained_bytes: stored.length };
    }
    const idBytes = Buffer.from(id, "utf8");
    const recordBytes = RECORD_HEADER_BYTES + idBytes.length + stored.length;
    if (this.overBudget(recordBytes, [recordHeader(idBytes.length, stored.length), idBytes, stored])) {
      const ref: RawPayloadRefV3 = {
        raw_payload_id: id,
        kind: { type: kind },
        shard: null,
        capture: { status: "omitted", original_bytes: originalBytes },
      };
      if (parts.length > 0) ref.parts = parts;
      return ref;
    }
    if (this.compressor && this.shardBytes > 0 && this.shardBytes + recordBytes > SHARD_ROTATE_BYTES)
      this.seal();
    if (!this.compressor) {
      this.compressor = new ShardCompressor();
      this.shard++;
      this.shardBytes = 0;
    }
    this.emit(this.compressor.flush([recordHeader(idBytes.length, stored.length), idBytes, stored]));
    this.shardBytes += recordBytes;
    const ref: RawPayloadRefV3 = { raw_payload_id: id, kind: { type: kind }, shard: this.shard };
    if (capture) ref.capture = capture;
    if (parts.length > 0) ref.parts = parts;
    return ref;
  }

  /** Whether storing this record would spend more than the budget (checked by its compressed size). */
  private overBudget(recordBytes: number, chunks: Buffer[]): boolean {
    if (!Number.isFinite(this.maxBytes)) return false;
    const used = this.usedBytes;
    // Cheap first: a record whose raw size fits needs no estimate.
    if (used + recordBytes <= this.maxBytes) return false;
    return used + compressedSize(Buffer.concat(chunks)) > this.maxBytes;
  }

  private emit(data: Buffer): void {
    if (data.length === 0) return;
    this.compressedTotal += data.length;
    this.pending.push({ shard: this.shard, data });
  }
}

function isInputHolder(v: unknown): v is { input: unknown[] } {
  return v !== null && typeof v === "object" && Array.isArray((v as { input?: unknown }).input);
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("base64");
}

/** The largest length ≤ `max` that does not end inside a UTF-8 sequence. */
function utf8Boundary(buf: Buffer, max: number): number {
  let end = Math.min(max, buf.length);
  while (end > 0 && end < buf.length && (buf[end]! & 0xc0) === 0x80) end--;
  return end;
}
