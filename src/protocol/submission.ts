import type { W3cTraceContext } from "./jsonrpc.js";
import type { ReviewTarget, UserInput } from "./user-input.js";

// Core's queue entry and the operations it consumes (spec/tracing.md §1.3, §5–6). Not a wire
// type between processes: plain types, built by app-server handlers from already-validated
// params. The op's `type` is Codex's `Op.kind()`: the snake_case name in `op.dispatch.<kind>`
// span names and the `codex.op` attribute.

/** How a tool call's approval request was answered (Codex `ReviewDecision`). */
export type ReviewDecision = "approved" | "approved_for_session" | "denied" | "abort";

/** Per-turn settings a `turn/start` may override; absent members keep the thread's. */
export interface TurnContextOverrides {
  model?: string;
  effort?: string;
  summary?: string;
  /** Absolute path. */
  cwd?: string;
  approvalPolicy?: string;
  sandboxPolicy?: unknown;
  /** JSON Schema constraining the final assistant message of this turn only. */
  outputSchema?: unknown;
}

/** A user turn (`turn/start`); older Codex split it into `user_input` and `user_turn`. */
export interface TurnInputOp {
  type: "turn_input";
  items: UserInput[];
  overrides?: TurnContextOverrides;
  clientUserMessageId?: string;
  /** Multi-agent ancestry: the turn that caused this one, and the first turn of its chain. */
  parentTurnId?: string;
  rootTurnId?: string;
}

/** Input added to the running turn (`turn/steer`); refused unless `expectedTurnId` is active. */
export interface SteerOp {
  type: "steer";
  expectedTurnId: string;
  items: UserInput[];
  clientUserMessageId?: string;
}

/** Cancels the running turn (`turn/interrupt`): 100 ms grace, then abort. */
export interface InterruptOp {
  type: "interrupt";
}

/** A review task (`review/start`), run inline on the thread. */
export interface ReviewOp {
  type: "review";
  target: ReviewTarget;
}

/** Summarizes the thread's history into a shorter one (`thread/compact/start`). */
export interface CompactOp {
  type: "compact";
}

/** A command the user typed (`thread/shellCommand`, the TUI's `!cmd`), run as a turn of its own. */
export interface UserShellOp {
  type: "user_shell";
  command: string;
  /** Null or absent: one hour, as Codex; 0 times out at once. */
  timeoutMs?: number | null;
}

/** The client's answer to a command-execution approval request. */
export interface ExecApprovalOp {
  type: "exec_approval";
  /** The tool call's id. */
  id: string;
  decision: ReviewDecision;
}

/** The client's answer to a file-change approval request. */
export interface PatchApprovalOp {
  type: "patch_approval";
  id: string;
  decision: ReviewDecision;
}

/** Ends the thread's submission loop after aborting any running turn. */
export interface ShutdownOp {
  type: "shutdown";
}

export type Op =
  | TurnInputOp
  | SteerOp
  | InterruptOp
  | ReviewOp
  | CompactOp
  | UserShellOp
  | ExecApprovalOp
  | PatchApprovalOp
  | ShutdownOp;

/** The snake_case op name (`turn_input`, `interrupt`, …). */
export type OpKind = Op["type"];

/**
 * One entry on a thread's submission queue. For a `turn_input` the id becomes the turn id.
 * `trace` is the carrier `submit()` captured from the span current at submit time (absent when
 * no valid span was current); only core's `submit()` writes it.
 */
export interface Submission {
  id: string;
  op: Op;
  trace?: W3cTraceContext;
}
