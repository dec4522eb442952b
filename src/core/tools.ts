import { functionCallOutput, type ResponseInputItem, type ToolSpec } from "../model-client/index.js";
import type { TurnRecorder } from "../rollout-trace/index.js";
import type { SessionTelemetry } from "../telemetry/index.js";
import type { AskForApproval, SandboxPolicy, ThreadItem } from "../protocol/index.js";
import type { ApprovalDecision, ApprovalRequest } from "./approvals/types.js";
import type { CoreEvent } from "./events.js";
import type { UserShellRunner } from "./tools/user-shell.js";

/** A tool call the model made, as the sampling loop hands it to the router. */
export interface ToolCallRequest {
  /** The Responses `call_id`. */
  callId: string;
  name: string;
  namespace?: string;
  /** The raw `arguments` string of a `function_call` (or `input` of a custom call). */
  arguments: string;
  /** A freeform (`custom_tool_call`) call: its output goes back as `custom_tool_call_output`. */
  custom?: boolean;
}

/**
 * A turn's side of its thread's approvals: asking the client, and what it approved for the
 * session. `cancelTurn` interrupts the turn (the client answered `cancel`).
 */
export interface TurnApprovals {
  newId(itemId: string): string;
  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision>;
  isApprovedForSession(key: string): boolean;
  approveForSession(keys: readonly string[]): void;
  cancelTurn(): void;
}

/** What a tool handler may use while it runs inside a turn. */
export interface ToolContext {
  threadId: string;
  turnId: string;
  cwd: string;
  approvalPolicy: AskForApproval;
  sandbox: SandboxPolicy;
  approvals: TurnApprovals;
  /** Fires when the turn is interrupted; a handler must stop promptly. */
  signal: AbortSignal;
  /** Emits a core event into the thread's stream (item started/completed, output deltas). */
  emit(event: CoreEvent): void;
  /** The turn's rollout recorder; the router records `tool_call_*` events through it. */
  rollout: TurnRecorder;
  /** The session's telemetry (`codex.tool_result`, tool metrics). */
  telemetry: SessionTelemetry;
  /** Records a finished item of this turn (kept for `thread/read`, persisted). */
  completeItem(item: ThreadItem): void;
  /** Records a file change of this turn; resolves to the turn's aggregated unified diff. */
  recordFileChange?(path: string, before: string | null, after: string | null): string;
}

/**
 * The seam between the sampling loop and tools: the specs sent to the model, and one dispatch
 * per call that resolves to the item sent back (e.g. a `function_call_output`). The router owns
 * resolution, parallelism and each call's rollout/telemetry records; the loop only awaits.
 */
export interface ToolRouter {
  specs(): ToolSpec[];
  /** Whether the model may ask for several calls at once (`parallel_tool_calls`). */
  readonly parallel: boolean;
  dispatch(call: ToolCallRequest, ctx: ToolContext): Promise<ResponseInputItem>;
  /** Runs a command the user typed (`thread/shellCommand`); absent when there is no exec-server. */
  readonly userShell?: UserShellRunner;
  /** Releases what the tools hold (the exec-server connection); called once at shutdown. */
  close?(): Promise<void>;
  /** Releases what the tools hold for one thread (its running exec sessions) as it ends. */
  threadEnded?(threadId: string): Promise<void>;
}

/**
 * The router of a build without tools: no specs, and any call the model makes anyway is answered
 * `unsupported call: <name>` (as Codex answers unknown tools) so the turn can go on.
 */
export const NO_TOOLS: ToolRouter = {
  specs: () => [],
  parallel: false,
  dispatch(call, ctx) {
    const output = `unsupported call: ${call.name}`;
    const rec = ctx.rollout.startToolCall({
      toolCallId: call.callId,
      modelVisibleCallId: call.callId,
      toolName: call.name,
      toolNamespace: call.namespace ?? null,
      invocation: { type: "function", arguments: call.arguments },
    });
    const item = functionCallOutput(call.callId, output);
    rec.ended("failed", { type: "direct_response", response_item: item });
    return Promise.resolve(item);
  },
};
