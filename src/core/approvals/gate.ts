import { withSpan } from "../../telemetry/index.js";
import type { ToolCallRequest, ToolContext } from "../tools.js";
import type { ApprovalNeed } from "./policy.js";
import { reviewDecisionOf, type ApprovalRequest } from "./types.js";

/** A distributive `Omit`, so each request kind keeps its own fields. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a tool call may do after its approval step. */
export type GateOutcome =
  | { type: "run" }
  /** The client declined: the item ends `declined` and the model is told. */
  | { type: "declined" }
  /** The policy forbids it without asking: the model gets a failed output. */
  | { type: "refused"; message: string };

/** The turn was interrupted while, or because, the call waited on its approval. */
export class ApprovalCancelledError extends Error {
  override readonly name = "ApprovalCancelledError";
}

/**
 * Runs a tool call's approval step: decides from the policy, asks the client when it must (the
 * `tool_approval` span covers the wait), records `codex.tool_decision`, and remembers an
 * `acceptForSession` for `sessionKeys`. A `cancel` interrupts the turn and throws
 * `ApprovalCancelledError`, as does an interrupt that arrives while waiting.
 */
export async function gateToolCall(
  call: ToolCallRequest,
  ctx: ToolContext,
  need: ApprovalNeed,
  request: Without<ApprovalRequest, "id" | "startedAtMs" | "reason" | "turnId">,
  sessionKeys: readonly string[],
): Promise<GateOutcome> {
  const decided = (decision: Parameters<typeof reviewDecisionOf>[0], source: "config" | "user") =>
    ctx.telemetry.toolDecision({
      toolName: call.name,
      callId: call.callId,
      decision: reviewDecisionOf(decision),
      source,
    });
  if (need.type === "run") {
    decided("accept", "config");
    return { type: "run" };
  }
  if (need.type === "refuse") {
    decided("decline", "config");
    return { type: "refused", message: need.reason };
  }
  const full = {
    ...request,
    id: ctx.approvals.newId(request.itemId),
    turnId: ctx.turnId,
    startedAtMs: Date.now(),
    reason: need.reason,
  } as ApprovalRequest;
  const decision = await withSpan(
    "tool_approval",
    { tool_name: call.name, call_id: call.callId, "approval.kind": request.kind },
    async (span) => {
      const d = await ctx.approvals.ask(full, ctx.signal);
      span.setAttribute("approval.decision", d);
      return d;
    },
  );
  // An interrupt while waiting is the turn's own doing, not the client's answer.
  if (ctx.signal.aborted) throw new ApprovalCancelledError("turn interrupted while waiting on approval");
  decided(decision, "user");
  switch (decision) {
    case "accept":
      return { type: "run" };
    case "acceptForSession":
      ctx.approvals.approveForSession(sessionKeys);
      return { type: "run" };
    case "decline":
      return { type: "declined" };
    case "cancel":
      ctx.approvals.cancelTurn();
      throw new ApprovalCancelledError("approval cancelled by the client; turn interrupted");
  }
}
