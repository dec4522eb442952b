import { randomUUID } from "node:crypto";
import { appendFileSync, closeSync, fstatSync, openSync, writeFileSync, writeSync } from "node:fs";
import { mkdir, open, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { logger } from "../telemetry/index.js";
import { prettyJson } from "./json-text.js";
import type {
  AnyPayloadRef,
  Manifest,
  RawPayloadKindName,
  RawPayloadKindNameV3,
  RawPayloadRefV3,
  RawTraceEventPayloadInput,
  TraceSchemaVersion,
} from "./schema.js";
import { shardFileName } from "./shard-format.js";
import { ShardWriter, type ShardChunk } from "./shard-writer.js";
import { trackWriter, untrackWriter } from "./shutdown-hooks.js";

const log = logger("spool_rollout_trace::writer");

/**
 * Queued jobs beyond which the writer is considered unable to keep up (a stalled disk): recording
 * stops with one warning rather than letting queued payloads grow the session's memory without bound.
 */
const MAX_QUEUED_JOBS = 50_000;

/** A payload value, or a thunk that builds it later (off the caller's path). */
export type PayloadSource = unknown;

/** Options of {@link BundleWriter.create}. */
export interface BundleWriterOptions {
  /** The trace root; the bundle is `<root>/trace-<trace_id>-<root_thread_id>`. */
  root: string;
  rootThreadId: string;
  /** Defaults to a fresh UUIDv4. */
  traceId?: string;
  /** Defaults to the root thread id (as Codex does). */
  rolloutId?: string;
  /** Wall clock in Unix ms; injectable for tests. */
  now?: () => number;
  /**
   * `"fsync"` (default): each payload file is fsynced before any event that references it is
   * appended, and `trace.jsonl` is fsynced at the end. `"flush"`: written but not fsynced (Codex's
   * behaviour; survives a process crash, not a power cut).
   */
  durability?: "fsync" | "flush";
  /** Install SIGINT/SIGTERM/exit flush hooks (default true). */
  signalHooks?: boolean;
  /**
   * Bundle schema: 2 (Codex 0.169, one JSON file per payload; the default) or 3 (Codex 0.171,
   * payload records in zstd shards).
   */
  schema?: TraceSchemaVersion;
  /** Schema 3: Codex 0.171's `[rollout_trace] max_payload_bytes` (fragment/truncate above it). */
  maxPayloadBytes?: number;
  /** Schema 3: Codex 0.171's `[rollout_trace] max_bytes` (omit payloads once the bundle is this big). */
  maxBytes?: number;
}

type Job =
  | { kind: "payload"; path: string; value: PayloadSource; lazy: boolean }
  | { kind: "record"; ref: RawPayloadRefV3; value: PayloadSource; lazy: boolean }
  | { kind: "event"; envelope: Envelope };

interface Envelope {
  schema_version: number;
  seq: number;
  wall_time_unix_ms: number;
  rollout_id: string;
  thread_id: string | null;
  codex_turn_id: string | null;
  payload: RawTraceEventPayloadInput;
}

type WriterState = "open" | "finishing" | "closed" | "failed";

/**
 * Writes one rollout-trace bundle (spec §2, §6). Callers get `seq` numbers and payload refs
 * synchronously; files are written by a background drain that writes each batch's payload files
 * before appending the batch's event lines (one `write` of whole lines), so every event's payloads
 * are on disk before the event and a crash leaves at most one incomplete last line.
 *
 * Best-effort: the first I/O failure logs one warning and stops recording for this bundle; no
 * method ever throws into the caller.
 */
export class BundleWriter {
  readonly traceId: string;
  readonly rolloutId: string;
  readonly rootThreadId: string;
  readonly bundleDir: string;
  readonly startedAtUnixMs: number;
  readonly schema: TraceSchemaVersion;

  private readonly now: () => number;
  /** Schema 3 only: records, fragments, limits and the open shard. */
  private readonly shards: ShardWriter | null;
  private shardFile: { n: number; fh: FileHandle } | null = null;
  private readonly fsync: boolean;
  private state: WriterState = "open";
  private seq = 0;
  private payloadOrdinal = 0;
  private queue: Job[] = [];
  private draining: Promise<void> | null = null;
  private inFlight = false;
  private handle: FileHandle | null = null;
  private ready: Promise<void>;
  private readonly hooks: boolean;
  private readonly maxBytes: number | undefined;

  private constructor(options: BundleWriterOptions) {
    this.now = options.now ?? Date.now;
    this.traceId = options.traceId ?? randomUUID();
    this.rootThreadId = options.rootThreadId;
    this.rolloutId = options.rolloutId ?? options.rootThreadId;
    this.bundleDir = join(options.root, `trace-${this.traceId}-${this.rootThreadId}`);
    this.startedAtUnixMs = this.now();
    this.fsync = (options.durability ?? "fsync") === "fsync";
    this.hooks = options.signalHooks ?? true;
    this.schema = options.schema ?? 2;
    this.shards =
      this.schema === 3
        ? new ShardWriter({ maxPayloadBytes: options.maxPayloadBytes, maxBytes: options.maxBytes })
        : null;
    this.maxBytes = options.maxBytes;
    this.ready = this.init();
    if (this.hooks) trackWriter(this);
  }

  /** Creates the writer; directory and manifest are created in the background. */
  static create(options: BundleWriterOptions): BundleWriter {
    return new BundleWriter(options);
  }

  /** Whether events are still being accepted. */
  get active(): boolean {
    return this.state === "open";
  }

  private async init(): Promise<void> {
    try {
      await mkdir(join(this.bundleDir, "payloads"), { recursive: true });
      const manifest: Manifest = {
        schema_version: this.schema,
        trace_id: this.traceId,
        rollout_id: this.rolloutId,
        root_thread_id: this.rootThreadId,
        started_at_unix_ms: this.startedAtUnixMs,
        raw_event_log: "trace.jsonl",
        payloads_dir: "payloads",
      };
      const text = prettyJson(manifest);
      const bytes = Buffer.byteLength(text);
      if (this.shards && this.maxBytes !== undefined && bytes > this.maxBytes) {
        throw new Error("manifest exceeds trace byte limit");
      }
      this.shards?.account(bytes);
      await writeFile(join(this.bundleDir, "manifest.json"), text);
      this.handle = await open(join(this.bundleDir, "trace.jsonl"), "a");
    } catch (err) {
      this.fail("failed to start rollout trace", err);
    }
  }

  /**
   * Reserves the next payload file and returns its ref; the value (or the thunk's result) is
   * serialized and written in the background, before any event appended after this call.
   * The value must not be mutated afterwards. Returns `null` when recording has stopped.
   */
  writePayload(kind: RawPayloadKindNameV3, value: PayloadSource, lazy = false): AnyPayloadRef | null {
    if (this.state !== "open") return null;
    let ref: AnyPayloadRef;
    if (this.shards) {
      // Schema 3 ids, shard, capture and parts are only known once the drain has serialized the
      // value (fragment parts take ids first); the drain fills this ref in before any event that
      // holds it is serialized. The keys exist now so that they serialize in Codex's order.
      const record: RawPayloadRefV3 = { raw_payload_id: "", kind: { type: kind }, shard: null };
      this.queue.push({ kind: "record", ref: record, value, lazy });
      ref = record;
    } else {
      const n = ++this.payloadOrdinal;
      const path = `payloads/${n}.json`;
      this.queue.push({ kind: "payload", path, value, lazy });
      ref = { raw_payload_id: `raw_payload:${n}`, kind: { type: kind as RawPayloadKindName }, path };
    }
    this.schedule();
    if (this.queue.length > MAX_QUEUED_JOBS) this.fellBehind();
    return ref;
  }

  /** Appends one event with the next `seq`; returns the seq, or 0 when recording has stopped. */
  append(threadId: string | null, codexTurnId: string | null, payload: RawTraceEventPayloadInput): number {
    if (this.state !== "open") return 0;
    const seq = ++this.seq;
    this.queue.push({
      kind: "event",
      envelope: {
        schema_version: this.schema,
        seq,
        wall_time_unix_ms: this.now(),
        rollout_id: this.rolloutId,
        thread_id: threadId,
        codex_turn_id: codexTurnId,
        payload,
      },
    });
    this.schedule();
    if (this.queue.length > MAX_QUEUED_JOBS) this.fellBehind();
    return seq;
  }

  private fellBehind(): void {
    this.fail("rollout trace writer fell behind", new Error(`more than ${MAX_QUEUED_JOBS} writes queued`));
  }

  /**
   * Ends the recording cleanly: appends `recording_completed` (the last event), drains, fsyncs and
   * closes `trace.jsonl`. Idempotent.
   */
  async finish(): Promise<void> {
    if (this.state === "open") {
      this.append(null, null, { type: "recording_completed" });
      this.state = "finishing";
    }
    await this.flush();
    await this.close();
  }

  /** Resolves once everything recorded so far is written (or recording failed). */
  async flush(): Promise<void> {
    await this.ready;
    while (this.draining) await this.draining;
  }

  private schedule(): void {
    if (this.draining) return;
    this.draining = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.ready)
      .then(() => this.drain())
      .finally(() => {
        this.draining = null;
        if (this.queue.length > 0 && this.state !== "failed") this.schedule();
      });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && this.handle && this.state !== "failed") {
      const batch = this.queue;
      this.queue = [];
      this.inFlight = true;
      try {
        await this.writeBatch(batch, this.handle);
      } finally {
        this.inFlight = false;
      }
    }
    if (!this.handle) this.queue = [];
  }

  private async writeBatch(batch: Job[], handle: FileHandle): Promise<void> {
    if (this.shards) return this.writeShardBatch(batch, handle, this.shards);
    const payloads: Promise<void>[] = [];
    let lines = "";
    for (const job of batch) {
      if (job.kind === "payload") {
        let text: string;
        try {
          text = prettyJson(job.lazy ? (job.value as () => unknown)() : job.value);
        } catch (err) {
          return this.fail("failed to write rollout trace payload", err);
        }
        payloads.push(this.writePayloadFile(join(this.bundleDir, job.path), text));
      } else if (job.kind === "event") {
        lines += JSON.stringify(job.envelope) + "\n";
      }
    }
    try {
      await Promise.all(payloads);
    } catch (err) {
      return this.fail("failed to write rollout trace payload", err);
    }
    if (lines === "") return;
    try {
      // An unlinked bundle would swallow appends silently; treat it like any other write failure.
      const stat = await handle.stat();
      if (stat.nlink === 0) throw new Error(`bundle ${this.bundleDir} was removed`);
      await handle.appendFile(lines);
    } catch (err) {
      this.fail("failed to append rollout trace event", err);
    }
  }

  /**
   * Schema 3: serializes and compresses the batch's payloads (one zstd flush per record), appends
   * the compressed bytes to their shard files (fsynced under "fsync" durability), and only then
   * appends the batch's event lines. The shard is sealed before `recording_completed` is written,
   * so a complete recording always has its footers.
   */
  private async writeShardBatch(batch: Job[], handle: FileHandle, shards: ShardWriter): Promise<void> {
    let encoded: { chunks: ShardChunk[]; lines: string };
    try {
      encoded = this.encodeShardBatch(batch, shards);
    } catch (err) {
      return this.fail("failed to write rollout trace payload", err);
    }
    try {
      await this.appendChunks(encoded.chunks);
    } catch (err) {
      return this.fail("failed to write rollout trace payload", err);
    }
    if (encoded.lines === "") return;
    try {
      const stat = await handle.stat();
      if (stat.nlink === 0) throw new Error(`bundle ${this.bundleDir} was removed`);
      await handle.appendFile(encoded.lines);
    } catch (err) {
      this.fail("failed to append rollout trace event", err);
    }
  }

  private encodeShardBatch(batch: Job[], shards: ShardWriter): { chunks: ShardChunk[]; lines: string } {
    let lines = "";
    for (const job of batch) {
      if (job.kind === "record") {
        const value = job.lazy ? (job.value as () => unknown)() : job.value;
        Object.assign(job.ref, shards.write(job.ref.kind.type, value));
      } else if (job.kind === "event") {
        if (job.envelope.payload.type === "recording_completed") shards.seal();
        const line = JSON.stringify(job.envelope) + "\n";
        // Counted as it is produced, so the budget sees events and payloads in recording order.
        shards.account(Buffer.byteLength(line));
        lines += line;
      }
    }
    return { chunks: shards.drain(), lines };
  }

  private async appendChunks(chunks: ShardChunk[]): Promise<void> {
    for (const chunk of chunks) {
      if (this.shardFile?.n !== chunk.shard) {
        await this.closeShardFile();
        const path = join(this.bundleDir, "payloads", shardFileName(chunk.shard));
        this.shardFile = { n: chunk.shard, fh: await open(path, "a") };
      }
      await this.shardFile.fh.appendFile(chunk.data);
    }
    if (this.fsync && this.shardFile && chunks.length > 0) await this.shardFile.fh.datasync();
  }

  private async closeShardFile(): Promise<void> {
    const file = this.shardFile;
    this.shardFile = null;
    if (!file) return;
    if (this.fsync) await file.fh.datasync().catch(() => undefined);
    await file.fh.close().catch(() => undefined);
  }

  private async writePayloadFile(path: string, text: string): Promise<void> {
    if (!this.fsync) return writeFile(path, text);
    const fh = await open(path, "w");
    try {
      await fh.writeFile(text);
      await fh.datasync();
    } finally {
      await fh.close();
    }
  }

  private fail(what: string, err: unknown): void {
    if (this.state === "failed") return;
    this.state = "failed";
    this.queue = [];
    const message = err instanceof Error ? err.message : String(err);
    log.warn(`${what}: ${message}; rollout trace recording stopped for this session`, {
      bundle: this.bundleDir,
    });
    void this.close();
  }

  private async close(): Promise<void> {
    if (this.hooks) untrackWriter(this);
    await this.closeShardFile();
    const handle = this.handle;
    this.handle = null;
    if (this.state !== "failed") this.state = "closed";
    if (!handle) return;
    try {
      if (this.fsync) await handle.sync();
    } catch {
      // The data is written; a failed final fsync is not worth a second warning.
    }
    await handle.close().catch(() => undefined);
  }

  /**
   * Last-chance synchronous flush for process exit: writes what is queued when no asynchronous
   * batch is in flight (otherwise lines could land out of order, so it leaves the bundle as is).
   */
  flushSyncOnExit(): void {
    if (this.inFlight || this.queue.length === 0 || this.state === "failed") return;
    const batch = this.queue;
    this.queue = [];
    try {
      if (this.shards) {
        const { chunks, lines } = this.encodeShardBatch(batch, this.shards);
        for (const c of chunks)
          appendFileSync(join(this.bundleDir, "payloads", shardFileName(c.shard)), c.data);
        const fd = openSync(join(this.bundleDir, "trace.jsonl"), "a");
        try {
          if (fstatSync(fd).nlink > 0) writeSync(fd, lines);
        } finally {
          closeSync(fd);
        }
        return;
      }
      let lines = "";
      for (const job of batch) {
        if (job.kind === "record") continue;
        if (job.kind === "payload") {
          const value = job.lazy ? (job.value as () => unknown)() : job.value;
          writeFileSync(join(this.bundleDir, job.path), prettyJson(value));
        } else lines += JSON.stringify(job.envelope) + "\n";
      }
      const fd = openSync(join(this.bundleDir, "trace.jsonl"), "a");
      try {
        if (fstatSync(fd).nlink > 0) writeSync(fd, lines);
      } finally {
        closeSync(fd);
      }
    } catch {
      // Exiting: nowhere left to report to.
    }
  }
}
