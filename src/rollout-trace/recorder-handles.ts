import { randomUUID } from "node:crypto";
import type { BundleWriter } from "./writer.js";
import { rolloutTokenUsage } from "./recorder-types.js";
import type {
  CodeCellRecorder,
  CompactionRecorder,
  CompactionRequestRecorder,
  InferenceCancellation,
  InferenceCompletion,
  InferenceFailure,
  InferenceRecorder,
  Lazy,
  TerminalEnd,
  TerminalStart,
  ToolCallRecorder,
  ToolResultBody,
} from "./recorder-types.js";
import type {
  CodeCellRuntimeStatus,
  ExecutionStatus,
  RawPayloadKindName,
  AnyPayloadRef,
  RawTraceEventPayloadInput,
  ToolCallKind,
} from "./schema.js";

// The enabled recorder's per-operation handles (inference, tool call, code cell, compaction).

function run<T>(v: Lazy<T>): T {
  return typeof v === "function" ? (v as () => T)() : v;
}

/** Shared plumbing of all enabled handles: payload refs and event appends that never throw. */
export class Sink {
  constructor(readonly writer: BundleWriter) {}

  ref(kind: RawPayloadKindName, value: Lazy<unknown>): AnyPayloadRef | null {
    return this.writer.writePayload(kind, value, typeof value === "function");
  }

  event(threadId: string | null, turnId: string | null, payload: RawTraceEventPayloadInput): void {
    this.writer.append(threadId, turnId, payload);
  }

  get active(): boolean {
    return this.writer.active;
  }
}

/**
 * One inference attempt. `completed` carries `response_id` (Responses `response.id`) and
 * `upstream_request_id` (HTTP `x-request-id`); failed, cancelled and dropped attempts carry only
 * `upstream_request_id`. The two are never derived from each other.
 */
export class Inference implements InferenceRecorder {
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
  ): AnyPayloadRef | null {
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
          token_usage: c.tokenUsage && rolloutTokenUsage(c.tokenUsage),
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

export class ToolCall implements ToolCallRecorder {
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

export class CodeCell implements CodeCellRecorder {
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

export class Compaction implements CompactionRecorder {
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
