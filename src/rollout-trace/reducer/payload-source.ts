import { isAbsolute, join, resolve } from "node:path";
import { TraceRuleError } from "../errors.js";
import type { AnyPayloadRef, RawPayloadRef, RawTraceEventType } from "../schema.js";
import { BundleFileReader, DEFAULT_MAX_PAYLOAD_BYTES } from "./limits.js";

/**
 * How the reducer gets payload bodies. The replay loop knows nothing of files: schema 2 keeps one
 * JSON file per payload ({@link directoryPayloadSource}), schema 3 keeps records in zstd shards, and
 * each is one implementation of this interface.
 *
 * Contract (what the reducer does, what a source may rely on):
 * - `load` is called when the event is applied (or, for a `prefetch` source, as soon as its line
 *   has been parsed, up to a bounded look-ahead window before), in `seq` order, once per distinct
 *   ref of that event. The reducer
 *   awaits the promises in the same order, so a source may start work early and must not assume
 *   the event will ever be applied (a later-reported error stops the replay first).
 * - A rejection must be a {@link TraceRuleError} whose message reads like Codex's reducer
 *   (e.g. `read payload raw_payload:3`) and whose `file` is the bundle-relative file involved;
 *   the reducer adds line and seq. Any other rejection is treated as a crash.
 * - `finish` runs once after the last event was applied and before the graph is finalized, with
 *   every ref the replay registered; end-of-bundle checks (a shard's missing footer, refs that
 *   were registered but never loaded) belong there.
 * - `close` always runs (also after an error) and releases files.
 */
export interface PayloadSource<Ref extends { raw_payload_id: string } = RawPayloadRef> {
  load(ref: Ref, use: PayloadUse): Promise<PayloadBody>;
  /**
   * Load each event's payloads as soon as its line is parsed, a bounded window ahead of its
   * application (for a source whose reads overlap the replay). Unset: at application.
   */
  readonly prefetch?: boolean;
  finish?(end: PayloadSourceEnd<Ref>): Promise<void> | void;
  close?(): Promise<void> | void;
}

/** Why the reducer wants a payload: error texts differ by event in Codex. */
export interface PayloadUse {
  eventType: RawTraceEventType;
  signal?: AbortSignal;
}

/**
 * A payload body. `text` is the complete JSON text (for a fragmented payload: assembled); the
 * reducer parses it. An unavailable payload (schema 3: truncated or omitted by a size limit) is
 * absent from the event's payload map, which the apply functions read as "no evidence".
 */
export type PayloadBody =
  | { readonly available: true; readonly text: string; readonly bytes: number }
  | { readonly available: false; readonly bytes: number };

/** What {@link PayloadSource.finish} is told. */
export interface PayloadSourceEnd<Ref> {
  /** A newline-terminated `recording_completed` line was read. */
  recordingComplete: boolean;
  /** Every ref registered during the replay, by `raw_payload_id`. */
  refs: ReadonlyMap<string, Ref>;
}

/** Chooses the payload source of a bundle once its manifest is read (the reducer's plug point). */
export type PayloadSourceFactory = (
  bundle: string,
  manifest: { schema_version: number },
) => PayloadSource<AnyPayloadRef>;

/**
 * Schema 2: one JSON file per payload at the ref's bundle-relative `path`. Each file is read once,
 * synchronously, into one reused buffer: on a bundle in the page cache a synchronous read costs
 * about 15 µs where a threadpool read (open, fstat, read, close as four round trips) costs 40-70
 * µs, and the reducer has nothing else to do meanwhile. The text is decoded once; its byte count
 * is the file's size.
 *
 * @example
 * const source = directoryPayloadSource("/tmp/traces/trace-…");
 * const body = await source.load(ref, { eventType: "inference_started" });
 */
export function directoryPayloadSource(
  bundle: string,
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): PayloadSource<RawPayloadRef> {
  const root = resolve(bundle);
  const reader = new BundleFileReader(maxPayloadBytes);
  return {
    async load(ref, use) {
      // A relative path without `..` segments cannot leave the bundle (checked without resolving).
      if (isAbsolute(ref.path) || PARENT_SEGMENT.test(ref.path)) {
        throw new TraceRuleError(
          `payload ${ref.raw_payload_id} path ${ref.path} leaves the bundle`,
          ref.path,
        );
      }
      use.signal?.throwIfAborted();
      try {
        // O_NOFOLLOW and a size check before reading: a link or a huge file is named, not read.
        // The path is joined by hand (`join` normalizes, and costs more than the read of a small
        // file); the kernel resolves it the same, and the messages name the normalized one.
        const body = reader.readText(`${root}/${ref.path}`, ref.path, `payload ${ref.raw_payload_id}`, () =>
          join(root, ref.path),
        );
        return { available: true, text: body.text, bytes: body.bytes };
      } catch (err) {
        if (err instanceof TraceRuleError) throw err;
        // Codex words the first payload of a bundle (session metadata) as "open", the rest as "read".
        const verb = use.eventType === "thread_started" ? "open" : "read";
        throw new TraceRuleError(`${verb} payload ${ref.raw_payload_id}`, ref.path);
      }
    },
  };
}

/** A `..` segment, with either separator. */
const PARENT_SEGMENT = /(?:^|[\\/])\.\.(?:[\\/]|$)/;
