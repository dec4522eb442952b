/** A client's answer to an approval request (the v2 decisions Spool acts on). */
export type ApprovalDecision = "accept" | "acceptForSession" | "decline" | "cancel";

/** Codex's `ReviewDecision` spelling of a decision, for `codex.tool_decision`. */
export function reviewDecisionOf(
  d: ApprovalDecision,
): "approved" | "approved_for_session" | "denied" | "abort" {
  switch (d) {
    case "accept":
      return "approved";
    case "acceptForSession":
      return "approved_for_session";
    case "decline":
      return "denied";
    case "cancel":
      return "abort";
  }
}

interface ApprovalRequestBase {
  /** Unique per thread; the app-server maps it to each client's JSON-RPC request id. */
  id: string;
  turnId: string;
  /** The item the request is about (the tool call's id). */
  itemId: string;
  startedAtMs: number;
  reason: string | null;
}

/** What core asks a client about before a tool call may run. */
export type ApprovalRequest =
  | (ApprovalRequestBase & {
      kind: "commandExecution";
      command: string;
      cwd: string;
      commandActions: { type: "unknown"; command: string }[];
    })
  | (ApprovalRequestBase & { kind: "fileChange"; grantRoot: string | null });
