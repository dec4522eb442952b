import type {
  ApprovalsReviewer,
  AskForApproval,
  SandboxMode,
  SandboxPolicy,
  TurnContextOverrides,
} from "../protocol/index.js";

/**
 * The settings a thread's turns run with. `thread/start` sets them, `thread/resume`/`fork` and
 * `turn/start` override them (turn overrides persist for later turns).
 */
export interface ThreadSettings {
  model: string;
  /** The provider id (`model_provider`), e.g. `openai`. */
  modelProvider: string;
  cwd: string;
  approvalPolicy: AskForApproval;
  approvalsReviewer: ApprovalsReviewer;
  sandbox: SandboxPolicy;
  reasoningEffort: string | null;
  reasoningSummary: string;
  baseInstructions: string | null;
  developerInstructions: string | null;
  serviceTier: string | null;
  /** Compact inside a turn once the context holds this many tokens; null or absent: never. */
  autoCompactTokenLimit?: number | null;
  /**
   * `turn/start.outputSchema`: the JSON Schema the turn's final message must match (the
   * Responses `text.format`). Set on one turn's settings only, never on the thread's.
   */
  outputSchema?: unknown;
}

/** The policy object a kebab-case `sandbox` mode stands for. */
export function sandboxPolicyOf(mode: SandboxMode): SandboxPolicy {
  switch (mode) {
    case "read-only":
      return { type: "readOnly" };
    case "workspace-write":
      return { type: "workspaceWrite", writableRoots: [], networkAccess: false };
    case "danger-full-access":
      return { type: "dangerFullAccess" };
  }
}

/** Codex's `sandbox_policy` spelling in session metadata (`DangerFullAccess`, …). */
export function sandboxPolicyName(p: SandboxPolicy): string {
  const t = p.type;
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** `approvalPolicy` as one word for telemetry (`granular` for the object form). */
export function approvalPolicyName(p: AskForApproval): string {
  return typeof p === "string" ? p : "granular";
}

/** The settings a thread's turns run with once a `turn/start`'s overrides are applied. */
export function withOverrides(s: ThreadSettings, o: TurnContextOverrides): ThreadSettings {
  return {
    ...s,
    cwd: o.cwd ?? s.cwd,
    model: o.model ?? s.model,
    reasoningEffort: o.effort ?? s.reasoningEffort,
    reasoningSummary: o.summary ?? s.reasoningSummary,
    approvalPolicy: (o.approvalPolicy as ThreadSettings["approvalPolicy"] | undefined) ?? s.approvalPolicy,
    sandbox: (o.sandboxPolicy as ThreadSettings["sandbox"] | undefined) ?? s.sandbox,
  };
}
