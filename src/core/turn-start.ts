import type { ThreadItem, UserInput } from "../protocol/index.js";
import type { RolloutRecorder } from "../rollout-trace/index.js";
import type { SessionTelemetry } from "../telemetry/index.js";
import type { ActiveTurn } from "./active-turn.js";
import type { CoreEvent } from "./events.js";
import type { HistorySink } from "./history-sink.js";
import { inputText } from "./prompt.js";
import type { ThreadSettings } from "./settings.js";
import type { TaskOutcome } from "./tasks/task.js";
import type { ThreadHistory } from "./thread-history.js";

/** Records a turn's start: its settings and `task_started` in the history file, and in the rollout. */
export function recordTurnStart(
  sink: HistorySink,
  recorder: RolloutRecorder,
  turnId: string,
  settings: ThreadSettings,
  startedAt: number,
): void {
  sink.append("turn_context", {
    turn_id: turnId,
    cwd: settings.cwd,
    model: settings.model,
    model_provider: settings.modelProvider,
    effort: settings.reasoningEffort,
    summary: settings.reasoningSummary,
    approval_policy: settings.approvalPolicy,
    sandbox_policy: settings.sandbox,
  });
  sink.append("event_msg", { type: "task_started", turn_id: turnId, started_at: startedAt });
  recorder.protocolEvent("turn_started", () => ({
    type: "task_started",
    turn_id: turnId,
    started_at: startedAt,
    model_context_window: null,
    collaboration_mode_kind: "default",
  }));
}

/** The user's input as the turn's first item: started and completed at once, and counted. */
export function announceUserInput(
  turn: ActiveTurn,
  input: UserInput[],
  userItemId: string,
  clientUserMessageId: string | undefined,
  to: { history: ThreadHistory; telemetry: SessionTelemetry; emit(event: CoreEvent): void },
): void {
  const startedAtMs = turn.startedAtMs;
  const userThreadItem: ThreadItem = {
    type: "userMessage",
    id: userItemId,
    content: input,
    clientId: clientUserMessageId ?? null,
    startedAtMs,
    completedAtMs: null,
  };
  to.emit({ type: "item_started", turnId: turn.id, item: userThreadItem, atMs: startedAtMs });
  const completedUser = { ...userThreadItem, completedAtMs: Date.now() };
  to.history.completeItem(turn, completedUser);
  to.emit({
    type: "item_completed",
    turnId: turn.id,
    item: completedUser,
    atMs: completedUser.completedAtMs,
  });
  const text = inputText(input);
  to.telemetry.userPrompt({
    text,
    textInputCount: input.filter((i) => i.type === "text").length,
    imageInputCount: input.filter((i) => i.type === "image").length,
    localImageInputCount: input.filter((i) => i.type === "localImage").length,
  });
}

/** The outcome of a task that threw: an internal failure, unless the turn was interrupted. */
export function thrownOutcome(turn: ActiveTurn, err: unknown): TaskOutcome {
  return turn.interrupted
    ? { status: "interrupted" }
    : {
        status: "failed",
        error: {
          message: `internal error: ${(err as Error)?.message ?? String(err)}`,
          codexErrorInfo: "other",
        },
        errorType: err instanceof Error ? err.name : typeof err,
      };
}
