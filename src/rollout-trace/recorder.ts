import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { logger } from "../telemetry/index.js";
import { DISABLED_RECORDER } from "./recorder-noop.js";
import type {
  AgentResult,
  CodeCellRecorder,
  CodeCellStart,
  CompactionRecorder,
  InferenceRecorder,
  InferenceStart,
  Lazy,
  RolloutRecorder,
  ThreadRecorder,
  ThreadStart,
  ToolCallRecorder,
  ToolCallStart,
  TurnRecorder,
} from "./recorder-types.js";
import type { ExecutionStatus, RolloutStatus, TraceSchemaVersion } from "./schema.js";
import { genericSummary, toolCallKindOf } from "./tool-kind.js";
import { CodeCell, Compaction, Inference, Sink, ToolCall } from "./recorder-handles.js";
import { BundleWriter } from "./writer.js";
import { preparedPromptOf } from "./prepared-prompt.js";

const log = logger("spool_rollout_trace::recorder");

/** Options of {@link startRolloutRecorder}. */
export interface RolloutRecorderOptions {
  /** The trace root; `undefined`/`null`/`""` disables recording (see `resolveRolloutTraceRoot`). */
  root: string | null | undefined;
  rootThreadId: string;
  traceId?: string;
  now?: () => number;
  durability?: "fsync" | "flush";
  signalHooks?: boolean;
  /** `[rollout_trace] schema`: 2 (Codex 0.169, the default) or 3 (Codex 0.171). */
  schema?: TraceSchemaVersion;
  /** `[rollout_trace] max_payload_bytes` (schema 3). */
  maxPayloadBytes?: number;
  /** `[rollout_trace] max_bytes` (schema 3). */
  maxBytes?: number;
}

/**
 * Starts recording one root session into `<root>/trace-<trace_id>-<root_thread_id>`, or returns
 * the no-op recorder when `root` is unset. Never throws: a recorder that cannot write logs one
 * warning and goes quiet.
 *
 * @example
 * const rec = startRolloutRecorder({ root: resolveRolloutTraceRoot(config.rollout_trace?.root), rootThreadId });
 * const thread = rec.startThread({ threadId: rootThreadId, agentPath: "/root", metadata });
 * const turn = thread.startTurn(turnId);
 * const inf = turn.startInference({ model, providerName, request: body });
 * inf.completed({ responseId: "resp_1", upstreamRequestId: "req_1", tokenUsage, outputItems });
 */
export function startRolloutRecorder(options: RolloutRecorderOptions): RolloutRecorder {
  if (!options.root) return DISABLED_RECORDER;
  try {
    const writer = BundleWriter.create({
      root: resolve(options.root),
      rootThreadId: options.rootThreadId,
      traceId: options.traceId,
      now: options.now,
      durability: options.durability,
      signalHooks: options.signalHooks,
      schema: options.schema,
      maxPayloadBytes: options.maxPayloadBytes,
      maxBytes: options.maxBytes,
    });
    return new Recorder(writer);
  } catch (err) {
    log.warn(`failed to start rollout trace: ${(err as Error).message}`);
    return DISABLED_RECORDER;
  }
}

function run<T>(v: Lazy<T>): T {
  return typeof v === "function" ? (v as () => T)() : v;
}

function memo<T>(v: Lazy<T>): Lazy<T> {
  if (typeof v !== "function") return v;
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = (v as () => T)();
      done = true;
    }
    return value;
  };
}

class Recorder implements RolloutRecorder {
  readonly enabled = true;
  private readonly sink: Sink;
  private ending: Promise<void> | null = null;

  constructor(private readonly writer: BundleWriter) {
    this.sink = new Sink(writer);
    this.sink.event(null, null, {
      type: "rollout_started",
      trace_id: writer.traceId,
      root_thread_id: writer.rootThreadId,
    });
  }

  get bundleDir(): string {
    return this.writer.bundleDir;
  }

  startThread(s: ThreadStart): ThreadRecorder {
    const meta =
      s.metadata == null || !this.sink.active ? null : this.sink.ref("session_metadata", s.metadata);
    this.sink.event(null, null, {
      type: "thread_started",
      thread_id: s.threadId,
      agent_path: s.agentPath,
      metadata_payload: meta,
    });
    return new Thread(this.sink, s.threadId, s.threadId === this.writer.rootThreadId ? this : null);
  }

  protocolEvent(eventType: string, event: Lazy<unknown>): void {
    if (!this.sink.active) return;
    const ref = this.sink.ref("protocol_event", event);
    if (ref)
      this.sink.event(null, null, {
        type: "protocol_event_observed",
        event_type: eventType,
        event_payload: ref,
      });
  }

  agentResult(r: AgentResult): void {
    if (!this.sink.active) return;
    const carried = r.result == null ? null : this.sink.ref("agent_result", r.result);
    this.sink.event(null, null, {
      type: "agent_result_observed",
      edge_id: `edge:agent_result:${r.childThreadId}:${r.childCodexTurnId}:${r.parentThreadId}`,
      child_thread_id: r.childThreadId,
      child_codex_turn_id: r.childCodexTurnId,
      parent_thread_id: r.parentThreadId,
      message: r.message,
      carried_payload: carried,
    });
  }

  end(status: RolloutStatus): Promise<void> {
    if (!this.ending) {
      this.sink.event(null, null, { type: "rollout_ended", status });
      this.ending = this.writer.finish().catch(() => undefined);
    }
    return this.ending;
  }

  flush(): Promise<void> {
    return this.writer.flush().catch(() => undefined);
  }
}

class Thread implements ThreadRecorder {
  constructor(
    private readonly sink: Sink,
    readonly threadId: string,
    private readonly root: Recorder | null,
  ) {}

  startTurn(codexTurnId: string): TurnRecorder {
    this.sink.event(this.threadId, codexTurnId, {
      type: "codex_turn_started",
      codex_turn_id: codexTurnId,
      thread_id: this.threadId,
    });
    return new Turn(this.sink, this.threadId, codexTurnId);
  }

  resumed(): void {
    this.sink.event(null, null, { type: "thread_resumed", thread_id: this.threadId });
  }

  ended(status: RolloutStatus): void {
    this.sink.event(null, null, { type: "thread_ended", thread_id: this.threadId, status });
    if (this.root) void this.root.end(status);
  }
}

class Turn implements TurnRecorder {
  constructor(
    private readonly sink: Sink,
    private readonly threadId: string,
    readonly codexTurnId: string,
  ) {}

  historyItemAccepted(responsesItemId: string, item?: Lazy<unknown>): void {
    // Schema 3 carries an accepted tool output itself (kind protocol_event, as Codex 0.171 writes it).
    const toolOutput =
      item !== undefined && this.sink.schema === 3 && this.sink.active && /^fco_|^ctco_/.test(responsesItemId)
        ? this.sink.ref("protocol_event", item)
        : null;
    this.sink.event(this.threadId, this.codexTurnId, {
      type: "history_item_accepted",
      item_id: responsesItemId,
      ...(toolOutput ? { tool_output_payload: toolOutput } : {}),
    });
  }

  startInference(s: InferenceStart): InferenceRecorder {
    const id = s.inferenceCallId ?? randomUUID();
    const v3 = this.sink.schema === 3;
    // Schema 3 needs the prepared prompt too; both payloads are built from one run of the thunk.
    const request = v3 ? memo(s.request) : s.request;
    const ref = this.sink.active ? this.sink.ref("inference_request", request) : null;
    if (ref) {
      const prepared = v3
        ? this.sink.ref("prepared_prompt", s.preparedPrompt ?? (() => preparedPromptOf(run(request))))
        : null;
      this.sink.event(this.threadId, this.codexTurnId, {
        type: "inference_started",
        inference_call_id: id,
        thread_id: this.threadId,
        codex_turn_id: this.codexTurnId,
        model: s.model,
        provider_name: s.providerName,
        request_payload: ref,
        ...(prepared ? { prepared_prompt_payload: prepared } : {}),
      });
    }
    return new Inference(this.sink, this.threadId, this.codexTurnId, id);
  }

  startToolCall(s: ToolCallStart): ToolCallRecorder {
    const namespace = s.toolNamespace ?? null;
    const invocation = this.sink.active
      ? this.sink.ref("tool_invocation", () => ({
          tool_name: s.toolName,
          tool_namespace: namespace,
          payload: s.invocation,
        }))
      : null;
    this.sink.event(this.threadId, this.codexTurnId, {
      type: "tool_call_started",
      tool_call_id: s.toolCallId,
      model_visible_call_id: s.modelVisibleCallId ?? null,
      code_mode_runtime_tool_id: s.codeModeRuntimeToolId ?? null,
      requester: s.requesterRuntimeCellId
        ? { type: "code_cell", runtime_cell_id: s.requesterRuntimeCellId }
        : { type: "model" },
      kind: s.kind ?? toolCallKindOf(s.toolName),
      summary: s.summary ?? genericSummary(s.toolName, namespace, s.invocation),
      invocation_payload: invocation,
    });
    return new ToolCall(
      this.sink,
      this.threadId,
      this.codexTurnId,
      s.toolCallId,
      s.kind ?? toolCallKindOf(s.toolName),
    );
  }

  startCodeCell(s: CodeCellStart): CodeCellRecorder {
    this.sink.event(this.threadId, this.codexTurnId, {
      type: "code_cell_started",
      runtime_cell_id: s.runtimeCellId,
      model_visible_call_id: s.modelVisibleCallId,
      source_js: s.sourceJs,
    });
    return new CodeCell(this.sink, this.threadId, this.codexTurnId, s.runtimeCellId);
  }

  startCompaction(compactionId?: string): CompactionRecorder {
    return new Compaction(this.sink, this.threadId, this.codexTurnId, compactionId ?? randomUUID());
  }

  ended(status: ExecutionStatus): void {
    this.sink.event(this.threadId, this.codexTurnId, {
      type: "codex_turn_ended",
      codex_turn_id: this.codexTurnId,
      status,
    });
  }
}
