import type { TokenUsage } from "../protocol/index.js";
import type {
  CodeCellRuntimeStatus,
  ExecutionStatus,
  RolloutStatus,
  ToolCallKind,
  ToolCallSummary,
} from "./schema.js";

/**
 * A payload value or a thunk that builds it. Thunks run in the writer's background drain, so an
 * expensive payload costs the caller nothing (and nothing at all when recording is disabled).
 * A value is serialized later: do not mutate it after handing it over.
 */
export type Lazy<T> = T | (() => T);

/** `session_metadata` payload (spec §5.2); the reducer reads agent_path, nickname, model, session_source. */
export interface SessionMetadataPayload {
  thread_id: string;
  agent_path: string;
  task_name: string | null;
  nickname: string | null;
  agent_role: string | null;
  session_source: unknown;
  cwd: string;
  rollout_path: string | null;
  model: string;
  provider_name: string;
  approval_policy: string;
  sandbox_policy: unknown;
}

/** `token_usage` in an `inference_response` payload: Spool's `TokenUsage` in the bundle's casing. */
export interface RolloutTokenUsage {
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_input_tokens: number;
  output_tokens: number;
  reasoning_output_tokens: number;
  total_tokens: number;
}

/** The one mapping from Spool's token usage to the bundle's. */
export function rolloutTokenUsage(u: TokenUsage): RolloutTokenUsage {
  return {
    input_tokens: u.inputTokens,
    cached_input_tokens: u.cachedInputTokens,
    cache_write_input_tokens: u.cacheWriteInputTokens,
    output_tokens: u.outputTokens,
    reasoning_output_tokens: u.reasoningOutputTokens,
    total_tokens: u.totalTokens,
  };
}

/** Tool invocation body (`tool_invocation` payload's `payload`). */
export type ToolInvocationBody =
  | { type: "function"; arguments: string }
  | { type: "tool_search"; arguments: unknown }
  | { type: "custom"; input: string }
  | { type: "local_shell"; command: string[]; [key: string]: unknown };

/** `tool_result` payload. */
export type ToolResultBody =
  | { type: "direct_response"; response_item: unknown }
  | { type: "code_mode_response"; value: unknown }
  | { type: "error"; error: string };

export interface ThreadStart {
  threadId: string;
  /** `/root` for the root thread, e.g. `/root/search_docs` for a spawned agent. */
  agentPath: string;
  metadata?: Lazy<SessionMetadataPayload> | null;
}

export interface InferenceStart {
  /** Defaults to a fresh UUIDv4; send it upstream as `x-codex-inference-call-id`. */
  inferenceCallId?: string;
  model: string;
  providerName: string;
  /** The exact Responses request body sent upstream (`input` array; `previous_response_id` when incremental). */
  request: Lazy<unknown>;
}

export interface InferenceCompletion {
  /** The Responses API `response.id` (`resp_…`): what a later `previous_response_id` names. */
  responseId: string | null;
  /** The HTTP `x-request-id` response header (`req_…`): what upstream systems key on. */
  upstreamRequestId: string | null;
  tokenUsage: TokenUsage | null;
  /** Completed output items, each with its `id`. */
  outputItems: Lazy<unknown[]>;
}

export interface InferenceFailure {
  /** The HTTP `x-request-id`, when the response headers arrived. Never a `response.id`. */
  upstreamRequestId: string | null;
  error: string;
  /** Output items completed before the failure; recorded as a partial response when non-empty. */
  partialOutputItems?: Lazy<unknown[]>;
}

export interface InferenceCancellation {
  upstreamRequestId: string | null;
  reason: string;
  partialOutputItems?: Lazy<unknown[]>;
}

/** One upstream inference attempt. Exactly one terminal call is recorded; later ones are ignored. */
export interface InferenceRecorder {
  readonly inferenceCallId: string;
  completed(c: InferenceCompletion): void;
  failed(f: InferenceFailure): void;
  cancelled(c: InferenceCancellation): void;
  /** The stream closed before `response.completed`: recorded as `inference_failed`. */
  dropped(d: {
    upstreamRequestId: string | null;
    detail?: string;
    partialOutputItems?: Lazy<unknown[]>;
  }): void;
}

export interface ToolCallStart {
  /** Producer tool-call id; for model tool calls, the Responses `call_id`. */
  toolCallId: string;
  /** The Responses `call_id` the model sees (null for calls the model did not make). */
  modelVisibleCallId?: string | null;
  codeModeRuntimeToolId?: string | null;
  /** Defaults to the model; a code cell names its runtime cell id. */
  requesterRuntimeCellId?: string | null;
  toolName: string;
  toolNamespace?: string | null;
  invocation: ToolInvocationBody;
  /** Overrides the kind derived from the tool name. */
  kind?: ToolCallKind;
  /** Overrides the generic summary derived from name and input. */
  summary?: ToolCallSummary;
}

export interface TerminalStart {
  processId: string | null;
  command: string[];
  cwd: string;
  /** Codex's `source`, e.g. `unified_exec_startup`. */
  source?: string;
  /** For `write_stdin`: the bytes written (`""` polls). */
  stdin?: string;
}

export interface TerminalEnd {
  processId: string | null;
  exitCode: number;
  aggregatedOutput: string;
  durationMs: number;
  status: ExecutionStatus;
}

export interface ToolCallRecorder {
  readonly toolCallId: string;
  /** A runtime begin event; `kind` replaces the tool's kind in the reduced graph. */
  runtimeStarted(event: Lazy<unknown>, kind?: ToolCallKind): void;
  runtimeEnded(status: ExecutionStatus, event: Lazy<unknown>): void;
  /** Typed terminal begin for `exec_command`/`write_stdin` (Codex's exec begin event shape). */
  terminalStarted(t: TerminalStart): void;
  /** Typed terminal end (Codex's exec end event shape). */
  terminalEnded(t: TerminalEnd): void;
  mcpCallAssigned(mcpCallId: string): void;
  /** For `write_stdin`: the `exec_command` call whose session it writes to. */
  stdinTargetResolved(execToolCallId: string): void;
  ended(status: ExecutionStatus, result?: Lazy<ToolResultBody> | null): void;
}

export interface CodeCellStart {
  runtimeCellId: string;
  modelVisibleCallId: string;
  sourceJs: string;
}

export interface CodeCellRecorder {
  initialResponse(status: CodeCellRuntimeStatus, response?: Lazy<unknown> | null): void;
  ended(status: CodeCellRuntimeStatus, response?: Lazy<unknown> | null): void;
}

export interface CompactionRequestRecorder {
  completed(response: Lazy<unknown>): void;
  failed(error: string): void;
}

export interface CompactionRecorder {
  readonly compactionId: string;
  startRequest(r: {
    compactionRequestId?: string;
    model: string;
    providerName: string;
    request: Lazy<unknown>;
  }): CompactionRequestRecorder;
  installed(checkpoint: Lazy<{ input_history: unknown[]; replacement_history: unknown[] }>): void;
}

export interface TurnRecorder {
  readonly codexTurnId: string;
  /** An item Codex added to the thread's history (by Responses item `id`). */
  historyItemAccepted(responsesItemId: string): void;
  startInference(s: InferenceStart): InferenceRecorder;
  startToolCall(s: ToolCallStart): ToolCallRecorder;
  startCodeCell(s: CodeCellStart): CodeCellRecorder;
  startCompaction(compactionId?: string): CompactionRecorder;
  ended(status: ExecutionStatus): void;
}

export interface ThreadRecorder {
  readonly threadId: string;
  startTurn(codexTurnId: string): TurnRecorder;
  /** The thread was resumed inside this live recording (after its `ended`). */
  resumed(): void;
  /** Ends the thread; for the root thread this also ends the rollout and completes the recording. */
  ended(status: RolloutStatus): void;
}

export interface AgentResult {
  childThreadId: string;
  childCodexTurnId: string;
  parentThreadId: string;
  message: string;
  /** `agent_result` payload, e.g. `{child_agent_path, message, status}`. */
  result?: Lazy<unknown> | null;
}

/**
 * The typed facade core calls to record a rollout. Every method is best-effort and never throws;
 * when tracing is disabled every method is a no-op on shared singletons.
 */
export interface RolloutRecorder {
  readonly enabled: boolean;
  /** The bundle directory, or null when disabled. */
  readonly bundleDir: string | null;
  startThread(s: ThreadStart): ThreadRecorder;
  /** A protocol event (`session_configured`, `turn_started`, …); never deltas. */
  protocolEvent(eventType: string, event: Lazy<unknown>): void;
  agentResult(r: AgentResult): void;
  /** Appends `rollout_ended` and `recording_completed`, drains and closes. Idempotent. */
  end(status: RolloutStatus): Promise<void>;
  /** Resolves once everything recorded so far is on disk. */
  flush(): Promise<void>;
}
