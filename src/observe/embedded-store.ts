import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type * as OtlpTransformer from "@opentelemetry/otlp-transformer";
import type { LoggerProvider } from "@opentelemetry/api-logs";
import type { LogRecordExporter, ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { logger } from "../telemetry/index.js";
import type { EmbeddedWorkerData, FromWorker, ToWorker } from "./embedded-protocol.js";
import { spanRecordsFromReadable } from "./readable-span-records.js";
import type { RetentionSettings } from "./retention.js";
import { tapTimingEvents } from "./timing-tap.js";

/** The worker failed or the store could not be opened; exports fail, the session goes on. */
export class EmbeddedStoreError extends Error {
  override readonly name = "EmbeddedStoreError";
}

export interface EmbeddedStoreOptions {
  storePath: string;
  retention: RetentionSettings;
  /** Bound on `close()`; default 2000 ms. */
  closeTimeoutMs?: number;
}

/** Exporters that write into the local store through one worker thread. */
export interface EmbeddedStore {
  readonly spanExporter: SpanExporter;
  readonly logExporter: LogRecordExporter;
  /** Waits for writes in flight, then closes the worker (idempotent, bounded). */
  close(): Promise<void>;
  /** Batches that were queued and then failed to write. */
  writeFailures(): number;
  /**
   * Stores the timing events (`codex.tool_call`, `codex.exec_server_*`) too, through the log
   * pipeline of `provider` (the one whose exporter is `logExporter`), until that exporter shuts down.
   */
  tapTimingEvents(provider: LoggerProvider): void;
}

const WORKER_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./embedded-worker.ts" : "./embedded-worker.js",
  import.meta.url,
);

const log = logger("spool_observe::embedded");

// The serializers (and protobufjs behind them) are loaded at the first export, not at start-up:
// they cost more than the rest of the app-server's start, and the first batch comes later.
const load = createRequire(import.meta.url);
let transformer: typeof OtlpTransformer | undefined;
const serializers = (): typeof OtlpTransformer =>
  (transformer ??= load("@opentelemetry/otlp-transformer") as typeof OtlpTransformer);

/** Bytes of batches handed to the worker and not yet written; beyond this a batch is dropped. */
const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;
/** What a span counts against that bound (spans go over as records, not bytes): a generous average. */
const SPAN_SIZE_ESTIMATE = 2048;

/** An export message before the link numbers it. */
type ToWorkerExport = ToWorker extends infer M ? (M extends { id: number } ? Omit<M, "id"> : never) : never;

class WorkerLink {
  private worker: Worker | undefined;
  private dead: Error | undefined;
  private nextId = 1;
  private inFlightBytes = 0;
  private readonly pending = new Map<
    number,
    { size: number; settled: Promise<void>; resolve: () => void; reject: (e: Error) => void }
  >();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: EmbeddedStoreOptions) {}

  private start(): Worker {
    const data: EmbeddedWorkerData = { storePath: this.options.storePath, retention: this.options.retention };
    const worker = new Worker(WORKER_URL, { workerData: data });
    // Telemetry never keeps the process alive; shutdown() waits for the worker explicitly.
    worker.unref();
    worker.on("message", (m: FromWorker) => {
      if (m.type === "fatal") this.fail(new EmbeddedStoreError(m.message));
      else if (m.type === "done") {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.inFlightBytes -= p.size;
        if (m.error) p.reject(new EmbeddedStoreError(`observe store write failed: ${m.error}`));
        else p.resolve();
      }
    });
    worker.on("error", (err) =>
      this.fail(new EmbeddedStoreError(`observe store worker failed: ${err.message}`)),
    );
    worker.on("exit", () => this.fail(new EmbeddedStoreError("observe store worker exited")));
    return worker;
  }

  private fail(err: Error): void {
    this.dead ??= err;
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
    this.inFlightBytes = 0;
  }

  /** The worker failed or could not open the store: nothing more will be written. */
  get failed(): boolean {
    return this.dead !== undefined;
  }

  /** Why a batch of `size` bytes cannot be queued now, if it cannot. */
  refusal(size: number): Error | undefined {
    if (this.dead) return this.dead;
    if (this.closing) return new EmbeddedStoreError("observe store is closed");
    if (this.inFlightBytes + size > MAX_IN_FLIGHT_BYTES) {
      return new EmbeddedStoreError("observe store is behind; batch dropped");
    }
    return undefined;
  }

  /**
   * Queues one message for the writer; `size` (bytes, or an estimate) counts against the
   * in-flight bound until it is written. `transfer` moves buffers instead of copying them.
   */
  send(message: ToWorkerExport, size: number, transfer: ArrayBuffer[] = []): Promise<void> {
    const refused = this.refusal(size);
    if (refused) return Promise.reject(refused);
    this.worker ??= this.start();
    const id = this.nextId++;
    this.inFlightBytes += size;
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const result = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.pending.set(id, { size, settled, resolve, reject });
    this.worker.postMessage({ ...message, id } as ToWorker, transfer);
    return result;
  }

  /** Resolves once every batch sent so far is written or failed. */
  async drain(): Promise<void> {
    await Promise.all([...this.pending.values()].map((p) => p.settled));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const worker = this.worker;
      if (!worker || this.dead) {
        await worker?.terminate();
        return;
      }
      const closed = new Promise<void>((resolve) => {
        worker.on("message", (m: FromWorker) => m.type === "closed" && resolve());
        worker.once("exit", () => resolve());
      });
      const message: ToWorker = { type: "close" };
      worker.postMessage(message);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.closeTimeoutMs ?? 2000);
        timer.unref();
      });
      await Promise.race([closed, timeout]);
      clearTimeout(timer);
      await worker.terminate();
    })();
    return this.closing;
  }
}

const ok: ExportResult = { code: ExportResultCode.SUCCESS };
const failed = (error: unknown): ExportResult => ({ code: ExportResultCode.FAILED, error: error as Error });

/**
 * The embedded default of `spool app-server`: span and log exporters (for the SDK's batch
 * processors) that hand each batch to a worker thread, which writes it into the local store,
 * so nothing of it runs on the request path: spans as the store's records, log batches
 * serialized by the official OTLP protobuf serializer. The worker starts with the first batch. A store that cannot be opened makes
 * exports fail (the telemetry layer logs one warning with a count); a write that fails after its
 * batch was queued is logged once here and counted; nothing throws into the session.
 */
export function startEmbeddedStore(options: EmbeddedStoreOptions): EmbeddedStore {
  const link = new WorkerLink(options);
  let writeFailures = 0;
  let open = 2;
  let untap: (() => void) | undefined;
  const release = async () => {
    untap?.();
    untap = undefined;
    if (--open > 0) return;
    await link.drain();
    await link.close();
    if (writeFailures > 1) log.warn("observe store: batches not stored", { batches: writeFailures });
  };
  /** Answers the SDK's export once the batch is queued (or refused); never throws into it. */
  const queue = (
    message: ToWorkerExport,
    size: number,
    cb: (r: ExportResult) => void,
    transfer?: ArrayBuffer[],
  ) => {
    const refused = link.refusal(size);
    if (refused && link.failed) {
      // Already reported once (below); count the batch instead of warning again.
      writeFailures++;
      return cb(ok);
    }
    if (refused) return cb(failed(refused));
    // The batch processor runs one export at a time: answer once the batch is queued for the
    // writer (bounded by MAX_IN_FLIGHT_BYTES), so a slow disk only drops when that queue is full.
    // A write that fails later is counted and logged here, since no export callback is left.
    link.send(message, size, transfer).catch((err: unknown) => {
      if (writeFailures++ === 0) {
        log.warn(
          "cannot write to the observe store; spans and events are not stored (later failures are counted)",
          {
            error: (err as Error).message,
          },
        );
      }
    });
    cb(ok);
  };
  // Spans go over as plain records (structured clone, no protobuf on this thread): they are
  // most of what is stored, one or more per request, and encoding them here was the embedded
  // mode's largest cost on the request path's thread.
  const spanExporter: SpanExporter = {
    export: (spans: ReadableSpan[], cb) => {
      if (spans.length === 0) return cb(ok);
      queue(
        { type: "spans", records: spanRecordsFromReadable(spans) },
        spans.length * SPAN_SIZE_ESTIMATE,
        cb,
      );
    },
    shutdown: release,
    forceFlush: () => link.drain(),
  };
  const logExporter: LogRecordExporter = {
    export: (logs: ReadableLogRecord[], cb) => {
      const body = serializers().ProtobufLogsSerializer.serializeRequest(logs);
      if (!body || body.length === 0) return cb(ok);
      queue({ type: "export", signal: "logs", body }, body.length, cb, [body.buffer as ArrayBuffer]);
    },
    shutdown: release,
    forceFlush: () => link.drain(),
  };
  return {
    spanExporter,
    logExporter,
    close: () => link.close(),
    writeFailures: () => writeFailures,
    tapTimingEvents(provider) {
      untap?.();
      untap = tapTimingEvents(provider);
    },
  };
}
