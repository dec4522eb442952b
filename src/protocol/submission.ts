import type { W3cTraceContext } from "./jsonrpc.js";
import type { UserInput } from "./v2-common.js";

/**
 * Per-turn settings a `turn_input` may change; they persist for later turns (spec/app-server.md
 * §5), except `outputSchema`, which is this turn's only.
 */
export interface TurnOverrides {
  cwd?: string;
  model?: string;
  effort?: string;
  summary?: string;
  approvalPolicy?: unknown;
  sandboxPolicy?: unknown;
  outputSchema?: unknown;
}

/** Core's queue entries, tagged by the snake_case op kind used in span names (`op.dispatch.<type>`). */
export type Op =
  | { type: "turn_input"; items: UserInput[]; overrides?: TurnOverrides; clientUserMessageId?: string }
  | { type: "steer"; items: UserInput[]; expectedTurnId: string; clientUserMessageId?: string }
  | { type: "interrupt"; turnId?: string }
  | { type: "review"; target: unknown }
  | { type: "compact" }
  | { type: "shutdown" };

export type OpKind = Op["type"];

/**
 * One unit of work handed to core (spec/tracing.md §1.3). For `turn_input` the id becomes the
 * turn id. `trace` is the W3C carrier of the span current at `submit()` time, absent when no
 * span was recording.
 */
export interface Submission {
  id: string;
  op: Op;
  trace?: W3cTraceContext;
}
