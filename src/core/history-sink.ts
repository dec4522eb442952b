/** The kinds of line a thread's history file holds (Codex's `RolloutItem` tags). */
export type HistoryLineType = "session_meta" | "turn_context" | "response_item" | "event_msg" | "compacted";

/**
 * Where a thread's history goes: the JSONL file of a persisted thread, nothing for an ephemeral
 * one. `append` never throws; a failing disk is logged by the sink and the session goes on.
 */
export interface HistorySink {
  append(type: HistoryLineType, payload: unknown): void;
  /** Writes everything appended so far now. */
  flush(): void;
  close(): void;
}

/** The sink of an ephemeral thread: nothing is written. */
export const NO_HISTORY: HistorySink = {
  append() {},
  flush() {},
  close() {},
};
