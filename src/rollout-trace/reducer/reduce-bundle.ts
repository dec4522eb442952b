import { createReadStream, readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { TraceReduceError, TraceRuleError } from "../errors.js";
import {
  ManifestSchema,
  RawTraceEventSchema,
  RawTraceEventV3Schema,
  payloadRefsOf,
  type AnyPayloadRef,
  type Manifest,
  type RawTraceEvent,
} from "../schema.js";
import { writePrettyJson } from "../json-text.js";
import {
  applyHistoryItemAccepted,
  applyInferenceEnded,
  applyInferenceStarted,
  applyThreadEnded,
  applyThreadResumed,
  applyThreadStarted,
  applyTurnEnded,
  applyTurnStarted,
  type EventPayloads,
} from "./apply-core.js";
import {
  applyCodeCellEnded,
  applyCodeCellInitialResponse,
  applyCodeCellStarted,
  applyMcpCorrelation,
  applyRuntimeEnded,
  applyRuntimeStarted,
  applyStdinTargetResolved,
  applyToolCallEnded,
  applyWaitTargetResolved,
  applyToolCallStarted,
} from "./apply-tools.js";
import {
  applyAgentResult,
  applyCompactionInstalled,
  applyCompactionRequestCompleted,
  applyCompactionRequestFailed,
  applyCompactionRequestStarted,
} from "./apply-agents.js";
import { Graph, type ReducedState } from "./graph.js";
import { ShardPayloadSource } from "./payloads-v3.js";

/** Options of {@link reduceBundle}. */
export interface ReduceOptions {
  /** Called as bytes of `trace.jsonl` and payload files are consumed (for a progress bar). */
  onProgress?: (bytesRead: number) => void;
  signal?: AbortSignal;
}

/** What a reduction produced. */
export interface ReduceResult {
  state: ReducedState;
  /** Things Codex 0.169's reducer would reject that Spool reduced through, one sentence each. */
  anomalies: string[];
  events: number;
  bytesRead: number;
}

function readManifest(bundle: string): Manifest {
  const file = join(bundle, "manifest.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === "ENOENT";
    const why = missing ? "no such file" : (cause as Error).message;
    throw new TraceReduceError(
      `${missing ? "missing" : "unreadable"} trace manifest: ${why}`,
      { file },
      { cause },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new TraceReduceError(`parse trace manifest: ${(cause as Error).message}`, { file }, { cause });
  }
  const version = (raw as { schema_version?: unknown } | null)?.schema_version;
  if (typeof version === "number" && version !== 2 && version !== 3) {
    throw new TraceReduceError(
      `trace schema ${version} cannot establish accepted history; use its matching reducer or record a new bundle (Spool reads schemas 2 and 3)`,
      { file },
    );
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TraceReduceError(`parse trace manifest: ${issue?.path.join(".")}: ${issue?.message}`, { file });
  }
  return parsed.data;
}

/** Reads every payload the event references; errors name the payload id like Codex's reducer. */
function readPayloads(bundle: string, ev: RawTraceEvent, refs: AnyPayloadRef[]): [EventPayloads, number] {
  const out = new Map<string, unknown>();
  let bytes = 0;
  for (const ref of refs) {
    if (out.has(ref.raw_payload_id) || !("path" in ref)) continue;
    const file = resolve(bundle, ref.path);
    const rel = relative(resolve(bundle), file);
    if (rel.startsWith("..") || rel.startsWith(sep)) {
      throw new TraceRuleError(`payload ${ref.raw_payload_id} path ${ref.path} leaves the bundle`, ref.path);
    }
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch {
      const verb = ev.payload.type === "thread_started" ? "open" : "read";
      throw new TraceRuleError(`${verb} payload ${ref.raw_payload_id}`, ref.path);
    }
    bytes += buf.length;
    try {
      out.set(ref.raw_payload_id, JSON.parse(buf.toString("utf8")));
    } catch {
      throw new TraceRuleError(`invalid payload ${ref.raw_payload_id}`, ref.path);
    }
  }
  return [out, bytes];
}

function apply(g: Graph, ev: RawTraceEvent, payloads: EventPayloads): void {
  const p = ev.payload;
  const e = ev as never;
  switch (p.type) {
    case "rollout_started":
      g.state.trace_id = p.trace_id;
      g.state.root_thread_id = p.root_thread_id;
      return;
    case "rollout_ended":
      g.state.status = p.status;
      g.state.ended_at_unix_ms = ev.wall_time_unix_ms;
      return;
    case "recording_completed":
      return;
    case "thread_started":
      return applyThreadStarted(g, e, payloads);
    case "thread_ended":
      return applyThreadEnded(g, e);
    case "thread_resumed":
      return applyThreadResumed(g, e);
    case "codex_turn_started":
      return applyTurnStarted(g, e);
    case "codex_turn_ended":
      return applyTurnEnded(g, e);
    case "history_item_accepted":
      return applyHistoryItemAccepted(g, e, payloads);
    case "inference_started":
      return applyInferenceStarted(g, e, payloads);
    case "inference_completed":
    case "inference_failed":
    case "inference_cancelled":
      return applyInferenceEnded(g, e, payloads);
    case "tool_call_started":
      return applyToolCallStarted(g, e);
    case "mcp_tool_call_correlation_assigned":
      return applyMcpCorrelation(g, e);
    case "stdin_target_resolved":
      return applyStdinTargetResolved(g, e);
    case "code_cell_wait_target_resolved":
      return applyWaitTargetResolved(g, e);
    case "tool_call_runtime_started":
      return applyRuntimeStarted(g, e, payloads);
    case "tool_call_runtime_ended":
      return applyRuntimeEnded(g, e, payloads);
    case "tool_call_ended":
      return applyToolCallEnded(g, e);
    case "code_cell_started":
      return applyCodeCellStarted(g, e);
    case "code_cell_initial_response":
      return applyCodeCellInitialResponse(g, e);
    case "code_cell_ended":
      return applyCodeCellEnded(g, e);
    case "compaction_request_started":
      return applyCompactionRequestStarted(g, e);
    case "compaction_request_completed":
      return applyCompactionRequestCompleted(g, e);
    case "compaction_request_failed":
      return applyCompactionRequestFailed(g, e);
    case "compaction_installed":
      return applyCompactionInstalled(g, e, payloads);
    case "agent_result_observed":
      return applyAgentResult(g, e);
    case "protocol_event_observed":
      return;
    case "other":
      throw new TraceRuleError("raw trace event has no reducer implementation");
  }
}

/** Terminal observations mirror their tool call's model-visible items (computed once, at the end). */
function finish(g: Graph): void {
  for (const op of g.state.terminal_operations.values()) {
    const tool = g.state.tool_calls.get(op.tool_call_id)!;
    if (tool.requester.type === "model") {
      if (tool.model_visible_call_item_ids.length > 0 || tool.model_visible_output_item_ids.length > 0) {
        op.model_observations = [
          {
            call_item_ids: [...tool.model_visible_call_item_ids],
            output_item_ids: [...tool.model_visible_output_item_ids],
            source: "direct_tool_call",
          },
        ];
      }
    } else {
      const cell = g.state.code_cells.get(tool.requester.code_cell_id);
      if (cell) {
        op.model_observations = [
          {
            call_item_ids: [cell.source_item_id],
            output_item_ids: [...cell.output_item_ids],
            source: "code_cell_output",
          },
        ];
      }
    }
  }
}

/** Event types only schema 3 has: Codex 0.169 rejects them as unknown variants. */
const V3_ONLY_EVENTS: ReadonlySet<string> = new Set(["code_cell_wait_target_resolved"]);

function unknownTypeMessage(line: number, raw: unknown, version: number): string | null {
  const type = (raw as { payload?: { type?: unknown } } | null)?.payload?.type;
  if (typeof type !== "string") return null;
  const variants = RawTraceEventSchema.shape.payload.options
    .map((o) => o.shape.type.value as string)
    .filter((v) => version === 3 || !V3_ONLY_EVENTS.has(v));
  if ((variants as string[]).includes(type)) return null;
  return `parse trace event line ${line}: unknown variant \`${type}\`, expected one of ${variants.map((v) => `\`${v}\``).join(", ")}`;
}

/**
 * Replays a bundle directory in `seq` order into the reduced state (spec §9). `trace.jsonl` is
 * streamed and each payload is read only while its event is applied, so memory follows the graph,
 * not the bundle. Throws {@link TraceReduceError} (with file, line and seq) on a strict-rule violation.
 *
 * @example
 * const { state, anomalies } = await reduceBundle("/tmp/traces/trace-…");
 * await writeStateFile(state, "/tmp/state.json");
 */
export async function reduceBundle(bundle: string, options: ReduceOptions = {}): Promise<ReduceResult> {
  const manifest = readManifest(bundle);
  const version = manifest.schema_version;
  const g = new Graph(manifest);
  const eventSchema = version === 3 ? RawTraceEventV3Schema : RawTraceEventSchema;
  let bytesRead = 0;
  const shards =
    version === 3
      ? new ShardPayloadSource(bundle, {
          onBytes: (n) => options.onProgress?.((bytesRead += n)),
        })
      : null;
  const traceFile = join(bundle, "trace.jsonl");
  let expectedSeq = 1;
  let completed = false;
  let recordingClosed = false;
  let events = 0;

  const handleLine = (text: string, line: number, terminated: boolean): void => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      if (!terminated) {
        g.anomalies.push(
          `last line ${line} of trace.jsonl is incomplete (the recording process stopped mid-write); it was ignored`,
        );
        return;
      }
      throw new TraceReduceError(`parse trace event line ${line}`, { file: traceFile, line });
    }
    const seqGuess = (raw as { seq?: unknown } | null)?.seq;
    const loc = { file: traceFile, line, seq: typeof seqGuess === "number" ? seqGuess : undefined };
    const eventVersion = (raw as { schema_version?: unknown } | null)?.schema_version;
    if (typeof eventVersion === "number" && eventVersion !== version) {
      throw new TraceReduceError(
        version === 3
          ? `unsupported trace event schema ${eventVersion} at line ${line} (expected 3). Run the exact Codex executable that recorded this bundle`
          : `unsupported trace event schema ${eventVersion} at line ${line}`,
        loc,
      );
    }
    const parsed = eventSchema.safeParse(raw);
    const unknown = unknownTypeMessage(line, raw, version);
    if (!parsed.success || unknown) {
      const issue = parsed.error?.issues[0];
      throw new TraceReduceError(
        unknown ?? `parse trace event line ${line}: ${issue?.path.join(".") || "event"}: ${issue?.message}`,
        loc,
      );
    }
    const ev = parsed.data;
    if (version === 3 && ev.payload.type === "inference_started" && !ev.payload.prepared_prompt_payload) {
      throw new TraceReduceError(`parse trace event line ${line}: missing field \`prepared_prompt_payload\``, loc);
    }
    if (ev.seq !== expectedSeq)
      throw new TraceReduceError(`missing or reordered trace event ${expectedSeq}`, loc);
    if (ev.rollout_id !== manifest.rollout_id)
      throw new TraceReduceError("trace event belongs to another rollout", loc);
    if (completed) throw new TraceReduceError("trace event after recording completed", loc);
    expectedSeq++;
    events++;
    try {
      let payloads: EventPayloads;
      if (shards) payloads = shards.forEvent(ev, g.state.raw_payloads as Map<string, unknown>);
      else {
        const refs = payloadRefsOf(ev.payload);
        for (const ref of refs) g.state.raw_payloads.set(ref.raw_payload_id, ref);
        let bytes: number;
        [payloads, bytes] = readPayloads(bundle, ev, refs);
        bytesRead += bytes;
      }
      apply(g, ev, payloads);
    } catch (err) {
      if (err instanceof TraceRuleError) {
        throw new TraceReduceError(
          err.message,
          err.file === undefined ? loc : { file: join(bundle, err.file), line, seq: ev.seq },
        );
      }
      throw err;
    }
    if (ev.payload.type === "recording_completed") {
      completed = true;
      if (!shards) g.state.recording_complete = terminated;
      else recordingClosed = terminated;
    }
  };

  let stream;
  try {
    stream = createReadStream(traceFile, { highWaterMark: 1 << 20, signal: options.signal });
    let carry = "";
    let line = 0;
    for await (const chunk of stream.setEncoding("utf8") as AsyncIterable<string>) {
      bytesRead += Buffer.byteLength(chunk, "utf8");
      let start = 0;
      const text = carry + chunk;
      for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
        line++;
        let l = text.slice(start, nl);
        if (l.endsWith("\r")) l = l.slice(0, -1);
        start = nl + 1;
        if (l.trim() !== "") handleLine(l, line, true);
      }
      carry = text.slice(start);
      options.onProgress?.(bytesRead);
    }
    if (carry.trim() !== "") handleLine(carry.endsWith("\r") ? carry.slice(0, -1) : carry, line + 1, false);
  } catch (err) {
    if (err instanceof TraceReduceError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") {
      throw new TraceReduceError(`open trace event log ${traceFile}`, { file: traceFile }, { cause: err });
    }
    throw err;
  }
  if (shards) {
    try {
      g.state.recording_status = shards.finish(recordingClosed);
    } catch (err) {
      if (err instanceof TraceRuleError) {
        throw new TraceReduceError(err.message, { file: err.file === undefined ? traceFile : join(bundle, err.file) });
      }
      throw err;
    }
  }
  if (shards ? !recordingClosed : !g.state.recording_complete) {
    g.anomalies.push("no complete recording_completed event: the recording did not end cleanly");
  }
  for (const pending of g.pendingCodeCells.values()) {
    g.anomalies.push(
      `code cell ${pending.runtimeCellId} never saw its custom_tool_call item and was left out`,
    );
  }
  finish(g);
  return { state: g.state, anomalies: g.anomalies, events, bytesRead };
}

/** The `state.json` text (pretty, 2-space indent, no trailing newline, maps sorted). */
export function stateJson(state: ReducedState): string {
  const parts: string[] = [];
  writePrettyJson(state, (c) => parts.push(c));
  return parts.join("");
}
