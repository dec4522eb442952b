import type { Turn, TurnError } from "../protocol/index.js";
import type { RolloutRecorder } from "../rollout-trace/index.js";
import { METRIC, type SessionTelemetry } from "../telemetry/index.js";
import type { ActiveTurn } from "./active-turn.js";
import type { HistorySink } from "./history-sink.js";
import { turnAbortedItem } from "./prompt.js";
import type { TaskOutcome } from "./tasks/task.js";
import type { ThreadHistory } from "./thread-history.js";
import { usageSince } from "./token-usage.js";

/** Where a turn's end is recorded. */
export interface TurnEndSinks {
  history: ThreadHistory;
  sink: HistorySink;
  telemetry: SessionTelemetry;
  recorder: RolloutRecorder;
}

/** What the thread announces once a turn's end is recorded. */
export interface TurnEnd {
  completedAt: number;
  error: TurnError | null;
  /** The `turn/completed` turn: the last agent message only, none for an interrupted turn. */
  summary: Turn;
}

/**
 * Records a finished turn in the history file, its turn record, its span's token usage and the
 * turn metrics, and the rollout. Leaves the span open: the thread ends it after announcing.
 */
export function recordTurnEnd(turn: ActiveTurn, outcome: TaskOutcome, to: TurnEndSinks): TurnEnd {
  const completedAtMs = Date.now();
  const durationMs = completedAtMs - turn.startedAtMs;
  const completedAt = Math.floor(completedAtMs / 1000);
  const status = outcome.status;
  const history = to.sink;

  if (status === "interrupted") {
    to.history.appendUnannounced(turnAbortedItem(turn.id));
    history.append("event_msg", {
      type: "turn_aborted",
      turn_id: turn.id,
      reason: "interrupted",
      completed_at: completedAt,
      duration_ms: durationMs,
    });
  } else {
    history.append("event_msg", {
      type: "task_complete",
      turn_id: turn.id,
      status,
      error: status === "failed" ? outcome.error : null,
      completed_at: completedAt,
      duration_ms: durationMs,
    });
  }

  const record = to.history.turns.find((t) => t.id === turn.id);
  const wireStatus =
    status === "completed" ? "completed" : status === "interrupted" ? "interrupted" : "failed";
  const error = status === "failed" ? outcome.error : null;
  if (record) {
    record.status = wireStatus;
    record.error = error;
    record.completedAt = completedAt;
    record.durationMs = durationMs;
    record.items = [...turn.items];
  }

  const turnUsage = usageSince(to.history.usage, turn.usageAtStart);
  if (status === "completed") {
    turn.span.setAttributes({
      "codex.turn.token_usage.input_tokens": turnUsage.inputTokens,
      "codex.turn.token_usage.cached_input_tokens": turnUsage.cachedInputTokens,
      "codex.turn.token_usage.cache_write_input_tokens": turnUsage.cacheWriteInputTokens,
      "codex.turn.token_usage.non_cached_input_tokens": Math.max(
        0,
        turnUsage.inputTokens - turnUsage.cachedInputTokens,
      ),
      "codex.turn.token_usage.output_tokens": turnUsage.outputTokens,
      "codex.turn.token_usage.reasoning_output_tokens": turnUsage.reasoningOutputTokens,
      "codex.turn.token_usage.total_tokens": turnUsage.totalTokens,
    });
    const t = to.telemetry;
    t.histogram(METRIC.TURN_TOKEN_USAGE, turnUsage.inputTokens, { token_type: "input" });
    t.histogram(METRIC.TURN_TOKEN_USAGE, turnUsage.cachedInputTokens, { token_type: "cached_input" });
    t.histogram(METRIC.TURN_TOKEN_USAGE, turnUsage.outputTokens, { token_type: "output" });
    t.histogram(METRIC.TURN_TOKEN_USAGE, turnUsage.reasoningOutputTokens, {
      token_type: "reasoning_output",
    });
    t.histogram(METRIC.TURN_TOKEN_USAGE, turnUsage.totalTokens, { token_type: "total" });
  } else if (status === "failed") {
    turn.span.setStatus({ code: 2 });
    turn.span.setAttribute("error.type", outcome.errorType);
  }
  to.telemetry.recordDuration(METRIC.TURN_E2E_DURATION, durationMs, { status: wireStatus });
  to.telemetry.histogram(METRIC.TURN_TOOL_CALL, turn.toolCalls, { tmp_mem_enabled: "false" });

  turn.rollout.ended(
    status === "completed" ? "completed" : status === "interrupted" ? "cancelled" : "failed",
  );
  const lastAgent = [...turn.items].reverse().find((i) => i.type === "agentMessage");
  to.recorder.protocolEvent(status === "interrupted" ? "turn_aborted" : "turn_complete", () =>
    status === "interrupted"
      ? { type: "turn_aborted", turn_id: turn.id, reason: "interrupted" }
      : {
          type: "task_complete",
          turn_id: turn.id,
          last_agent_message: lastAgent && "text" in lastAgent ? lastAgent.text : null,
          started_at: Math.floor(turn.startedAtMs / 1000),
          completed_at: completedAt,
          duration_ms: durationMs,
        },
  );

  const summary: Turn = {
    id: turn.id,
    items: status === "interrupted" || !lastAgent ? [] : [lastAgent],
    status: wireStatus,
    error,
    startedAt: Math.floor(turn.startedAtMs / 1000),
    completedAt,
    durationMs,
    itemsView: status === "interrupted" ? "notLoaded" : "summary",
  };
  return { completedAt, error, summary };
}
