import { closeSync, readSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { TraceReduceError, TraceRuleError, type TraceErrorLocation } from "../errors.js";
import type { AnyPayloadRef, Manifest, RawPayloadRefV3, RawTraceEvent } from "../schema.js";
import type * as PayloadsV3 from "./payloads-v3.js";
import { validateTraceEvent } from "./trace-validators.generated.js";
import { writePrettyJson } from "../json-text.js";
import { apply, finish } from "./apply-event.js";
import type { EventPayloads } from "./apply-core.js";
import { Graph, type ReducedState } from "./graph.js";
import { readManifest } from "./read-manifest.js";
import {
  assertNoSymlinks,
  isSymlinkError,
  jsonDepthExceeds,
  openNoFollow,
  resolveLimits,
  type ReducerLimits,
  type ResolvedLimits,
} from "./limits.js";
import {
  directoryPayloadSource,
  type PayloadBody,
  type PayloadSource,
  type PayloadSourceFactory,
  type PayloadUse,
} from "./payload-source.js";

/** Options of {@link reduceBundle}. */
export interface ReduceOptions {
  /** Called as bytes of `trace.jsonl` and payload files are consumed (for a progress bar). */
  onProgress?: (bytesRead: number) => void;
  signal?: AbortSignal;
  /** Where payload bodies come from; default: one JSON file per payload (schema 2). */
  payloadSource?: PayloadSourceFactory;
  /** Line, payload and nesting bounds for bundles from anywhere (defaults: 16 MiB, 256 MiB, 1000). */
  limits?: ReducerLimits;
}

/** What a reduction produced. */
export interface ReduceResult {
  state: ReducedState;
  /** Things Codex 0.169's reducer would reject that Spool reduced through, one sentence each. */
  anomalies: string[];
  events: number;
  bytesRead: number;
}

/**
 * Events parsed ahead of the one being applied, so a source that says it `prefetch`es can fetch
 * their payloads meanwhile. Other sources load when the event is applied: a synchronous read gains
 * nothing from running early, and 16 events of re-sent history held at once cost tens of MB.
 */
const LOOKAHEAD_EVENTS = 16;

/** One `trace.jsonl` line after parsing, waiting for its turn to be applied. */
interface ParsedLine {
  line: number;
  terminated: boolean;
  /** The event, or why the line is not one (thrown when the line's turn comes). */
  ev: RawTraceEvent | TraceReduceError | InvalidLine | "incomplete";
  /** Every ref of the event in field order (registered in `raw_payloads`). */
  allRefs: AnyPayloadRef[];
  /** The distinct ones, in the order their bodies are loaded and awaited. */
  refs: AnyPayloadRef[];
  use: PayloadUse | null;
  /** Bodies already being fetched (a prefetching source only). */
  bodies: Promise<PayloadBody>[] | null;
}

/** JSON that is not a valid event; its message is worked out only if the replay gets to it. */
class InvalidLine {
  constructor(
    readonly raw: unknown,
    readonly loc: TraceErrorLocation,
  ) {}
}

/**
 * Parses bodies in ref order; an unavailable payload stays out of the map. A body that is not
 * JSON is `invalid payload <id>` in schema 2 and `parse payload <id>` in schema 3 (Codex 0.171's
 * word for the payloads rules read; the shard source checks the others itself).
 */
async function resolvePayloads(
  refs: AnyPayloadRef[],
  bodies: Promise<PayloadBody>[],
  verb: "invalid" | "parse",
  limits: ResolvedLimits,
): Promise<[EventPayloads, number]> {
  const out = new Map<string, unknown>();
  let bytes = 0;
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i]!;
    const body = await bodies[i]!;
    bytes += body.bytes;
    if (!body.available) continue;
    // Schema 2 files are refused by size before they are read; an assembled schema-3 payload here.
    if (body.text.length > limits.maxPayloadBytes) {
      throw new TraceRuleError(
        `payload ${ref.raw_payload_id} is over the ${limits.maxPayloadBytes}-byte limit`,
        payloadFileOf(ref),
      );
    }
    if (jsonDepthExceeds(body.text, limits.maxJsonDepth)) {
      throw new TraceRuleError(
        `payload ${ref.raw_payload_id} nests deeper than ${limits.maxJsonDepth} levels`,
        payloadFileOf(ref),
      );
    }
    try {
      out.set(ref.raw_payload_id, JSON.parse(body.text));
    } catch {
      throw new TraceRuleError(`${verb} payload ${ref.raw_payload_id}`, payloadFileOf(ref));
    }
  }
  return [out, bytes];
}

function payloadFileOf(ref: AnyPayloadRef): string | undefined {
  return (ref as { path?: unknown }).path as string | undefined;
}

/** Distinct refs of an event, first occurrence first. */
function distinctRefs(refs: AnyPayloadRef[]): AnyPayloadRef[] {
  if (refs.length < 2) return refs;
  const seen = new Set<string>();
  return refs.filter((r) => !seen.has(r.raw_payload_id) && seen.add(r.raw_payload_id));
}

/** Schema 3's payload layer, loaded by {@link reduceBundle} for schema-3 bundles only. */
type V3Module = typeof PayloadsV3;

/** Event types only schema 3 has: Codex 0.169 rejects them as unknown variants (see schema-errors). */
const V3_ONLY_EVENTS: ReadonlySet<unknown> = new Set(["code_cell_wait_target_resolved"]);

/**
 * Replays a bundle directory in `seq` order into the reduced state (spec §9). `trace.jsonl` is
 * streamed; each event's payloads are requested from the bundle's {@link PayloadSource} as soon as
 * its line is parsed (a bounded window ahead of the event being applied) and dropped once it is
 * applied, so memory follows the graph, not the bundle. Throws {@link TraceReduceError} (with
 * file, line and seq) on a strict-rule violation.
 *
 * @example
 * const { state, anomalies } = await reduceBundle("/tmp/traces/trace-…");
 * await writeStateFile(state, "/tmp/state.json");
 */
export async function reduceBundle(bundle: string, options: ReduceOptions = {}): Promise<ReduceResult> {
  const limits = resolveLimits(options.limits);
  assertNoSymlinks(bundle);
  const manifest = await readManifest(bundle, limits);
  // Schema 3's shard reader (and its zstd binding) is loaded only for schema-3 bundles.
  const v3 = manifest.schema_version === 3 ? await import("./payloads-v3.js") : undefined;
  const source = options.payloadSource
    ? options.payloadSource(bundle, manifest)
    : v3
      ? v3.shardPayloadSource(bundle, { maxRecordBytes: limits.maxPayloadBytes })
      : directoryPayloadSource(bundle, limits.maxPayloadBytes);
  try {
    return await replay(bundle, manifest, source, options, v3, limits);
  } finally {
    await source.close?.();
  }
}

async function replay(
  bundle: string,
  manifest: Manifest,
  source: PayloadSource<AnyPayloadRef>,
  options: ReduceOptions,
  v3: V3Module | undefined,
  limits: ResolvedLimits,
): Promise<ReduceResult> {
  const g = new Graph(manifest);
  const version = v3 ? 3 : 2;
  const traceFile = join(bundle, "trace.jsonl");
  const signal = options.signal;
  let expectedSeq = 1;
  let completed = false;
  let recordingComplete = false;
  let bytesRead = 0;
  let events = 0;

  const parseLine = (text: string, line: number, terminated: boolean): ParsedLine => {
    const parsed = (ev: ParsedLine["ev"]): ParsedLine => ({
      line,
      terminated,
      ev,
      allRefs: [],
      refs: [],
      use: null,
      bodies: null,
    });
    if (jsonDepthExceeds(text, limits.maxJsonDepth)) {
      return parsed(
        new TraceReduceError(`trace event line ${line} nests deeper than ${limits.maxJsonDepth} levels`, {
          file: traceFile,
          line,
        }),
      );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      if (!terminated) return parsed("incomplete");
      return parsed(new TraceReduceError(`parse trace event line ${line}`, { file: traceFile, line }));
    }
    const seqGuess = (raw as { seq?: unknown } | null)?.seq;
    const loc = { file: traceFile, line, seq: typeof seqGuess === "number" ? seqGuess : undefined };
    const eventVersion = (raw as { schema_version?: unknown } | null)?.schema_version;
    if (typeof eventVersion === "number" && eventVersion !== version) {
      const message =
        version === 3
          ? `unsupported trace event schema ${eventVersion} at line ${line} (expected 3). Run the exact Codex executable that recorded this bundle`
          : `unsupported trace event schema ${eventVersion} at line ${line}`;
      return parsed(new TraceReduceError(message, loc));
    }
    const result = validateTraceEvent(raw, version);
    if (result === undefined || (version === 2 && V3_ONLY_EVENTS.has(result.event.payload.type))) {
      return parsed(new InvalidLine(raw, loc));
    }
    const ev = result.event;
    if (version === 3 && ev.payload.type === "inference_started" && !ev.payload.prepared_prompt_payload) {
      return parsed(
        new TraceReduceError(
          `parse trace event line ${line}: missing field \`prepared_prompt_payload\``,
          loc,
        ),
      );
    }
    const refs = distinctRefs(result.refs);
    const use = { eventType: ev.payload.type, signal };
    const bodies = source.prefetch ? loadBodies(refs, use) : null;
    return { line, terminated, ev, allRefs: result.refs, refs, use, bodies };
  };

  const loadBodies = (refs: AnyPayloadRef[], use: PayloadUse): Promise<PayloadBody>[] =>
    refs.map((ref) => {
      const body = source.load(ref, use);
      // Awaited in order when the event is applied; this keeps an early failure from being
      // reported as unhandled while earlier events are still being applied.
      body.catch(() => {});
      return body;
    });

  const applyLine = async (entry: ParsedLine): Promise<void> => {
    const { ev, line, terminated } = entry;
    if (ev === "incomplete") {
      g.anomalies.push(
        `last line ${line} of trace.jsonl is incomplete (the recording process stopped mid-write); it was ignored`,
      );
      return;
    }
    if (ev instanceof TraceReduceError) throw ev;
    if (ev instanceof InvalidLine) {
      const { eventErrorMessage } = await import("./schema-errors.js");
      throw new TraceReduceError(eventErrorMessage(line, ev.raw, version), ev.loc);
    }
    const loc = { file: traceFile, line, seq: ev.seq };
    if (ev.seq !== expectedSeq)
      throw new TraceReduceError(`missing or reordered trace event ${expectedSeq}`, loc);
    if (ev.rollout_id !== manifest.rollout_id)
      throw new TraceReduceError("trace event belongs to another rollout", loc);
    if (completed) throw new TraceReduceError("trace event after recording completed", loc);
    expectedSeq++;
    events++;
    try {
      for (const ref of entry.allRefs) {
        if (v3) v3.registerRefV3(ref as RawPayloadRefV3, g.state.raw_payloads);
        else g.state.raw_payloads.set(ref.raw_payload_id, ref);
      }
      const verb = version === 3 ? "parse" : "invalid";
      const bodies = entry.bodies ?? loadBodies(entry.refs, entry.use!);
      const [payloads, bytes] = await resolvePayloads(entry.refs, bodies, verb, limits);
      bytesRead += bytes;
      apply(g, ev, payloads);
    } catch (err) {
      throw located(err, bundle, loc);
    }
    if (ev.payload.type === "recording_completed") {
      completed = true;
      recordingComplete = terminated;
      if (version === 2) g.state.recording_complete = terminated;
    }
  };

  const pending: ParsedLine[] = [];
  try {
    const fd = openNoFollow(traceFile);
    const tooLong = (chars: number, text: string, at: number): TraceReduceError | undefined => {
      // UTF-16 units never exceed UTF-8 bytes, so the byte count is needed only near the limit.
      if (chars <= limits.maxLineBytes / 3 || Buffer.byteLength(text) <= limits.maxLineBytes)
        return undefined;
      return new TraceReduceError(
        `trace event line ${at} is longer than the ${limits.maxLineBytes}-byte limit`,
        {
          file: traceFile,
          line: at,
        },
      );
    };
    const decoder = new StringDecoder("utf8");
    let carry = "";
    let line = 0;
    for (const chunk of readChunks(fd, signal)) {
      bytesRead += chunk.length;
      let start = 0;
      const text = carry + decoder.write(chunk);
      for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
        line++;
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        const l = text.slice(start, end);
        start = nl + 1;
        const long = tooLong(l.length, l, line);
        if (long) throw long;
        if (l.trim() === "") continue;
        pending.push(parseLine(l, line, true));
        if (pending.length > LOOKAHEAD_EVENTS) await applyLine(pending.shift()!);
      }
      carry = text.slice(start);
      // An unterminated line is refused as soon as it is over the limit, not held to the end.
      const long = tooLong(carry.length, carry, line + 1);
      if (long) throw long;
      options.onProgress?.(bytesRead);
    }
    carry += decoder.end();
    if (carry.trim() !== "")
      pending.push(parseLine(carry.endsWith("\r") ? carry.slice(0, -1) : carry, line + 1, false));
    while (pending.length > 0) await applyLine(pending.shift()!);
    options.onProgress?.(bytesRead);
  } catch (err) {
    if (err instanceof TraceReduceError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (isSymlinkError(err)) {
      throw new TraceReduceError(
        `bundle file ${traceFile} is a symlink`,
        { file: traceFile },
        { cause: err },
      );
    }
    if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") {
      throw new TraceReduceError(`open trace event log ${traceFile}`, { file: traceFile }, { cause: err });
    }
    throw err;
  }
  try {
    await source.finish?.({ recordingComplete, refs: g.state.raw_payloads });
  } catch (err) {
    throw located(err, bundle, { file: traceFile });
  }
  if (v3) {
    g.state.recording_status = !recordingComplete
      ? "unclosed"
      : v3.hasPartialPayloads(g.state.raw_payloads)
        ? "closed_with_partial_payloads"
        : "complete";
  }
  if (!recordingComplete) {
    g.anomalies.push("no complete recording_completed event: the recording did not end cleanly");
  }
  for (const pending of g.pendingCodeCells.values()) {
    g.anomalies.push(
      `code cell ${pending.runtimeCellId} never saw its custom_tool_call item and was left out`,
    );
  }
  finish(g);
  g.sortTranscripts();
  return { state: g.state, anomalies: g.anomalies, events, bytesRead };
}

/**
 * `trace.jsonl` in 1 MiB chunks (views into one buffer, each valid until the next), read
 * synchronously like the payloads: the replay waits for each chunk either way, and a read stream
 * would load a dozen more of Node's modules. Closes `fd` when done or abandoned.
 */
function* readChunks(fd: number, signal: AbortSignal | undefined): Generator<Buffer> {
  const buf = Buffer.allocUnsafeSlow(1 << 20);
  try {
    for (;;) {
      signal?.throwIfAborted();
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) return;
      yield buf.subarray(0, got);
    }
  } finally {
    closeSync(fd);
  }
}

/** A rule error inside an event (or a payload) becomes a reduce error pointing at the line. */
function located(err: unknown, bundle: string, loc: TraceErrorLocation): unknown {
  if (!(err instanceof TraceRuleError)) return err;
  return new TraceReduceError(
    err.message,
    err.file === undefined ? loc : { file: join(bundle, err.file), line: loc.line, seq: loc.seq },
  );
}

/** The `state.json` text (pretty, 2-space indent, no trailing newline, maps sorted). */
export function stateJson(state: ReducedState): string {
  const parts: string[] = [];
  writePrettyJson(state, (c) => parts.push(c));
  return parts.join("");
}
