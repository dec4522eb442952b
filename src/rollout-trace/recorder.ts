import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { logger } from "../telemetry/index.js";
import { DISABLED_RECORDER } from "./recorder-noop.js";
import type {
  AgentResult,
  CodeCellRecorder,
  CodeCellStart,
  CompactionRecorder,
  CompactionRequestRecorder,
  InferenceCancellation,
  InferenceCompletion,
  InferenceFailure,
  InferenceRecorder,
  InferenceStart,
  Lazy,
  RolloutRecorder,
  TerminalEnd,
  TerminalStart,
  ThreadRecorder,
  ThreadStart,
  ToolCallRecorder,
  ToolCallStart,
  ToolResultBody,
  TurnRecorder,
} from "./recorder-types.js";
import type {
  CodeCellRuntimeStatus,
  ExecutionStatus,
  RawPayloadKindName,
  RawPayloadRef,
  RawTraceEventPayload,
  RolloutStatus,
  ToolCallKind,
} from "./schema.js";
import { genericSummary, toolCallKindOf } from "./tool-kind.js";
import { BundleWriter } from "./writer.js";

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

/** Shared plumbing of all enabled handles: payload refs and event appends that never throw. */
class Sink {
  constructor(readonly writer: BundleWriter) {}

  ref(kind: RawPayloadKindName, value: Lazy<unknown>): RawPayloadRef | null {
    return this.writer.writePayload(kind, value, typeof value === "function");
  }

  event(threadId: string | null, turnId: string | null, payload: RawTraceEventPayload): void {
    this.writer.append(threadId, turnId, payload);
  }

  get active(): boolean {
    return this.writer.active;
  }
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

  historyItemAccepted(responsesItemId: string): void {
    this.sink.event(this.threadId, this.codexTurnId, {
      type: "history_item_accepted",
      item_id: responsesItemId,
    });
  }

  startInference(s: InferenceStart): InferenceRecorder {
    const id = s.inferenceCallId ?? randomUUID();
    const ref = this.sink.active ? this.sink.ref("inference_request", s.request) : null;
    if (ref) {
      this.sink.event(this.threadId, this.codexTurnId, {
        type: "inference_started",
        inference_call_id: id,
        thread_id: this.threadId,
        codex_turn_id: this.codexTurnId,
        model: s.model,
        provider_name: s.providerName,
        request_payload: ref,
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

/**
 * One inference attempt. `completed` carries `response_id` (Responses `response.id`) and
 * `upstream_request_id` (HTTP `x-request-id`); failed, cancelled and dropped attempts carry only
 * `upstream_request_id`. The two are never derived from each other.
 */
class Inference implements InferenceRecorder {
  private done = false;

  constructor(
    private readonly sink: Sink,
    private readonly threadId: string,
    private readonly turnId: string,
    readonly inferenceCallId: string,
  ) {}

  private partial(
    upstreamRequestId: string | null,
    items: Lazy<unknown[]> | undefined,
  ): RawPayloadRef | null {
    if (items === undefined || !this.sink.active) return null;
    // An eager empty list means nothing was observed: Codex writes no partial payload then.
    if (Array.isArray(items) && items.length === 0) return null;
    return this.sink.ref("inference_response", () => ({
      response_id: null,
      upstream_request_id: upstreamRequestId,
      token_usage: null,
      output_items: run(items),
    }));
  }

  completed(c: InferenceCompletion): void {
    if (this.done) return;
    this.done = true;
    const ref = this.sink.active
      ? this.sink.ref("inference_response", () => ({
          response_id: c.responseId,
          upstream_request_id: c.upstreamRequestId,
          token_usage: c.tokenUsage,
          output_items: run(c.outputItems),
        }))
      : null;
    if (!ref) return;
    this.sink.event(this.threadId, this.turnId, {
      type: "inference_completed",
      inference_call_id: this.inferenceCallId,
      response_id: c.responseId,
      upstream_request_id: c.upstreamRequestId,
      response_payload: ref,
    });
  }

  failed(f: InferenceFailure): void {
    if (this.done) return;
    this.done = true;
    this.sink.event(this.threadId, this.turnId, {
      type: "inference_failed",
      inference_call_id: this.inferenceCallId,
      upstream_request_id: f.upstreamRequestId,
      error: f.error,
      partial_response_payload: this.partial(f.upstreamRequestId, f.partialOutputItems),
    });
  }

  cancelled(c: InferenceCancellation): void {
    if (this.done) return;
    this.done = true;
    this.sink.event(this.threadId, this.turnId, {
      type: "inference_cancelled",
      inference_call_id: this.inferenceCallId,
      upstream_request_id: c.upstreamRequestId,
      reason: c.reason,
      partial_response_payload: this.partial(c.upstreamRequestId, c.partialOutputItems),
    });
  }

  dropped(d: {
    upstreamRequestId: string | null;
    detail?: string;
    partialOutputItems?: Lazy<unknown[]>;
  }): void {
    this.failed({
      upstreamRequestId: d.upstreamRequestId,
      error: d.detail
        ? `stream closed before response.completed: ${d.detail}`
        : "stream closed before response.completed",
      partialOutputItems: d.partialOutputItems,
    });
  }
}

class ToolCall implements ToolCallRecorder {
  constructor(
    private readonly sink: Sink,
    private readonly threadId: string,
    private readonly turnId: string,
    readonly toolCallId: string,
    private readonly kind: ToolCallKind,
  ) {}

  runtimeStarted(event: Lazy<unknown>, kind?: ToolCallKind): void {
    const ref = this.sink.active ? this.sink.ref("tool_runtime_event", event) : null;
    if (!ref) return;
    this.sink.event(this.threadId, this.turnId, {
      type: "tool_call_runtime_started",
      tool_call_id: this.toolCallId,
      kind: kind ?? this.kind,
      runtime_payload: ref,
    });
  }

  runtimeEnded(status: ExecutionStatus, event: Lazy<unknown>): void {
    const ref = this.sink.active ? this.sink.ref("tool_runtime_event", event) : null;
    if (!ref) return;
    this.sink.event(this.threadId, this.turnId, {
      type: "tool_call_runtime_ended",
      tool_call_id: this.toolCallId,
      status,
      runtime_payload: ref,
    });
  }

  terminalStarted(t: TerminalStart): void {
    const startedAt = Date.now();
    const kind: ToolCallKind = t.stdin === undefined ? { type: "exec_command" } : { type: "write_stdin" };
    this.runtimeStarted(
      () => ({
        call_id: this.toolCallId,
        process_id: t.processId,
        turn_id: this.turnId,
        started_at_ms: startedAt,
        command: t.command,
        cwd: t.cwd,
        ...(t.stdin === undefined ? {} : { stdin: t.stdin }),
        source: t.source ?? "unified_exec_startup",
      }),
      kind,
    );
  }

  terminalEnded(t: TerminalEnd): void {
    const completedAt = Date.now();
    this.runtimeEnded(t.status, () => ({
      call_id: this.toolCallId,
      process_id: t.processId,
      turn_id: this.turnId,
      completed_at_ms: completedAt,
      aggregated_output: t.aggregatedOutput,
      exit_code: t.exitCode,
      duration: { secs: Math.floor(t.durationMs / 1000), nanos: Math.round((t.durationMs % 1000) * 1e6) },
      status: t.status,
    }));
  }

  mcpCallAssigned(mcpCallId: string): void {
    this.sink.event(null, null, {
      type: "mcp_tool_call_correlation_assigned",
      tool_call_id: this.toolCallId,
      mcp_call_id: mcpCallId,
    });
  }

  stdinTargetResolved(execToolCallId: string): void {
    this.sink.event(this.threadId, this.turnId, {
      type: "stdin_target_resolved",
      tool_call_id: this.toolCallId,
      exec_tool_call_id: execToolCallId,
    });
  }

  ended(status: ExecutionStatus, result?: Lazy<ToolResultBody> | null): void {
    const ref = result == null || !this.sink.active ? null : this.sink.ref("tool_result", result);
    this.sink.event(this.threadId, this.turnId, {
      type: "tool_call_ended",
      tool_call_id: this.toolCallId,
      status,
      result_payload: ref,
    });
  }
}

class CodeCell implements CodeCellRecorder {
  constructor(
    private readonly sink: Sink,
    private readonly threadId: string,
    private readonly turnId: string,
    private readonly runtimeCellId: string,
  ) {}

  initialResponse(status: CodeCellRuntimeStatus, response?: Lazy<unknown> | null): void {
    const ref = response == null || !this.sink.active ? null : this.sink.ref("tool_result", response);
    this.sink.event(this.threadId, this.turnId, {
      type: "code_cell_initial_response",
      runtime_cell_id: this.runtimeCellId,
      status,
      response_payload: ref,
    });
  }

  ended(status: CodeCellRuntimeStatus, response?: Lazy<unknown> | null): void {
    const ref = response == null || !this.sink.active ? null : this.sink.ref("tool_result", response);
    this.sink.event(this.threadId, this.turnId, {
      type: "code_cell_ended",
      runtime_cell_id: this.runtimeCellId,
      status,
      response_payload: ref,
    });
  }
}

class Compaction implements CompactionRecorder {
  constructor(
    private readonly sink: Sink,
    private readonly threadId: string,
    private readonly turnId: string,
    readonly compactionId: string,
  ) {}

  startRequest(r: {
    compactionRequestId?: string;
    model: string;
    providerName: string;
    request: Lazy<unknown>;
  }): CompactionRequestRecorder {
    const requestId = r.compactionRequestId ?? randomUUID();
    const ref = this.sink.active ? this.sink.ref("compaction_request", r.request) : null;
    if (ref) {
      this.sink.event(this.threadId, this.turnId, {
        type: "compaction_request_started",
        compaction_id: this.compactionId,
        compaction_request_id: requestId,
        thread_id: this.threadId,
        codex_turn_id: this.turnId,
        model: r.model,
        provider_name: r.providerName,
        request_payload: ref,
      });
    }
    const { sink, threadId, turnId, compactionId } = this;
    return {
      completed(response: Lazy<unknown>): void {
        const out = sink.active ? sink.ref("compaction_response", response) : null;
        if (!out) return;
        sink.event(threadId, turnId, {
          type: "compaction_request_completed",
          compaction_id: compactionId,
          compaction_request_id: requestId,
          response_payload: out,
        });
      },
      failed(error: string): void {
        sink.event(threadId, turnId, {
          type: "compaction_request_failed",
          compaction_id: compactionId,
          compaction_request_id: requestId,
          error,
        });
      },
    };
  }

  installed(checkpoint: Lazy<{ input_history: unknown[]; replacement_history: unknown[] }>): void {
    const ref = this.sink.active ? this.sink.ref("compaction_checkpoint", checkpoint) : null;
    if (!ref) return;
    this.sink.event(this.threadId, this.turnId, {
      type: "compaction_installed",
      compaction_id: this.compactionId,
      checkpoint_payload: ref,
    });
  }
}
