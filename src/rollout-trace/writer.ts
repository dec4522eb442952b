import { randomUUID } from "node:crypto";
import { closeSync, fstatSync, openSync, writeFileSync, writeSync } from "node:fs";
import { mkdir, open, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { logger } from "../telemetry/index.js";
import { prettyJson } from "./json-text.js";
import {
  TRACE_SCHEMA_VERSION,
  type Manifest,
  type RawPayloadKindName,
  type RawPayloadRef,
  type RawTraceEventPayloadInput,
} from "./schema.js";
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
}

type Job =
  | { kind: "payload"; path: string; value: PayloadSource; lazy: boolean }
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

  private readonly now: () => number;
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

  private constructor(options: BundleWriterOptions) {
    this.now = options.now ?? Date.now;
    this.traceId = options.traceId ?? randomUUID();
    this.rootThreadId = options.rootThreadId;
    this.rolloutId = options.rolloutId ?? options.rootThreadId;
    this.bundleDir = join(options.root, `trace-${this.traceId}-${this.rootThreadId}`);
    this.startedAtUnixMs = this.now();
    this.fsync = (options.durability ?? "fsync") === "fsync";
    this.hooks = options.signalHooks ?? true;
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
        schema_version: TRACE_SCHEMA_VERSION,
        trace_id: this.traceId,
        rollout_id: this.rolloutId,
        root_thread_id: this.rootThreadId,
        started_at_unix_ms: this.startedAtUnixMs,
        raw_event_log: "trace.jsonl",
        payloads_dir: "payloads",
      };
      await writeFile(join(this.bundleDir, "manifest.json"), prettyJson(manifest));
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
  writePayload(kind: RawPayloadKindName, value: PayloadSource, lazy = false): RawPayloadRef | null {
    if (this.state !== "open") return null;
    const n = ++this.payloadOrdinal;
    const path = `payloads/${n}.json`;
    this.queue.push({ kind: "payload", path, value, lazy });
    this.schedule();
    if (this.queue.length > MAX_QUEUED_JOBS) this.fellBehind();
    return { raw_payload_id: `raw_payload:${n}`, kind: { type: kind }, path };
  }

  /** Appends one event with the next `seq`; returns the seq, or 0 when recording has stopped. */
  append(threadId: string | null, codexTurnId: string | null, payload: RawTraceEventPayloadInput): number {
    if (this.state !== "open") return 0;
    const seq = ++this.seq;
    this.queue.push({
      kind: "event",
      envelope: {
        schema_version: TRACE_SCHEMA_VERSION,
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
      } else {
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
      let lines = "";
      for (const job of batch) {
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
