import type { ModelClient, ResponseInputItem } from "../../model-client/index.js";
import type { ThreadItem, TokenUsage, TurnError, UserInput } from "../../protocol/index.js";
import type { TurnRecorder } from "../../rollout-trace/index.js";
import type { SessionTelemetry } from "../../telemetry/index.js";
import type { CoreEvent } from "../events.js";
import type { ThreadSettings } from "../settings.js";
import type { ToolRouter, TurnApprovals } from "../tools.js";

/** A response the model server still holds, and the length of the input prefix it covers. */
export interface ResponseChain {
  responseId: string;
  covered: number;
}

/** How a task ended; the session turns it into `turn/completed` and the turn span's end. */
export type TaskOutcome =
  | { status: "completed" }
  | { status: "interrupted" }
  | { status: "failed"; error: TurnError; errorType: string };

/** Everything a running task may touch: its turn's identity, the model, tools and history. */
export interface TurnContext {
  readonly threadId: string;
  readonly turnId: string;
  /** This turn's settings (the thread's, with the turn's overrides applied). */
  readonly settings: ThreadSettings;
  readonly client: ModelClient;
  readonly tools: ToolRouter;
  readonly rollout: TurnRecorder;
  readonly telemetry: SessionTelemetry;
  readonly approvals: TurnApprovals;
  /** Counts one tool call of this turn (`codex.turn.tool.call`). */
  toolCallStarted(): void;
  /** Emits into the thread's event stream; a no-op once the turn has finished. */
  emit(event: CoreEvent): void;
  /** The full model-visible history so far, oldest first. */
  history(): readonly ResponseInputItem[];
  /** Appends items to history (persisted; accepted in the rollout when they have an id). */
  appendHistory(items: readonly ResponseInputItem[]): void;
  /**
   * Replaces the whole history with a compaction's `replacement` (persisted as a `compacted`
   * line with the summary text, so a resumed thread starts from it).
   */
  replaceHistory(replacement: readonly ResponseInputItem[], summary: string): void;
  /** How many tokens the thread's context holds now (the model's last count plus an estimate). */
  contextTokens(): number;
  /** Records a finished item of this turn (kept for `thread/read`, persisted). */
  completeItem(item: ThreadItem): void;
  /** Records one file's change by this turn; returns the turn's aggregated unified diff. */
  recordFileChange(path: string, before: string | null, after: string | null): string;
  /** Adds one model response's usage to the thread's totals and emits `token_count`. */
  recordUsage(last: TokenUsage): void;
  /** Input steered into this turn since the last call, oldest first (then forgotten). */
  takeSteeredInput(): UserInput[][];
  /** Whether input was steered in and not yet taken. */
  hasSteeredInput(): boolean;
  /** The last completed response of this thread over a reusable WebSocket, and how many input items it covers. */
  chain(): ResponseChain | undefined;
  setChain(chain: ResponseChain | undefined): void;
  /** Marks the first output token (`codex.turn_ttft`), once per turn. */
  firstToken(): void;
}

/**
 * One kind of task (Codex `tasks/regular`, `review`, `compact`). The session starts it inside the
 * turn span and owns that span's end; `run` must honour `signal` (it is abandoned 100 ms after).
 */
export interface SessionTask {
  /** The turn span's exported name, e.g. `session_task.turn`. */
  readonly spanName: string;
  run(ctx: TurnContext, signal: AbortSignal): Promise<TaskOutcome>;
}
