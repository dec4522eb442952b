import { z } from "zod";

// Shapes shared by the v2 thread and turn methods (codex-schema 0.169.0 is the authority).

/** `approvalPolicy` as the v2 wire spells it (kebab-case; `on-failure` is not in the schema). */
export const AskForApprovalSchema = z.union([
  z.enum(["untrusted", "on-request", "never"]),
  z
    .object({
      granular: z
        .object({
          sandbox_approval: z.boolean(),
          rules: z.boolean(),
          mcp_elicitations: z.boolean(),
          request_permissions: z.boolean().optional(),
          skill_approval: z.boolean().optional(),
        })
        .loose(),
    })
    .strict(),
]);
export type AskForApproval = z.infer<typeof AskForApprovalSchema>;

/** `sandbox` on `thread/start`: the kebab-case mode. */
export const SandboxModeSchema = z.enum(["read-only", "workspace-write", "danger-full-access"]);
export type SandboxMode = z.infer<typeof SandboxModeSchema>;

export const ApprovalsReviewerSchema = z.enum(["user", "auto_review", "guardian_subagent"]);
export type ApprovalsReviewer = z.infer<typeof ApprovalsReviewerSchema>;

/** `sandboxPolicy` on `turn/start` and `sandbox` in every thread response: the policy object. */
export const SandboxPolicySchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("dangerFullAccess") }).loose(),
  z.object({ type: z.literal("readOnly"), networkAccess: z.boolean().optional() }).loose(),
  z
    .object({
      type: z.literal("externalSandbox"),
      networkAccess: z.enum(["restricted", "enabled"]).optional(),
    })
    .loose(),
  z
    .object({
      type: z.literal("workspaceWrite"),
      writableRoots: z.array(z.string()).optional(),
      networkAccess: z.boolean().optional(),
      excludeTmpdirEnvVar: z.boolean().optional(),
      excludeSlashTmp: z.boolean().optional(),
    })
    .loose(),
]);
export type SandboxPolicy = z.infer<typeof SandboxPolicySchema>;

export const ReasoningSummarySchema = z.enum(["auto", "concise", "detailed", "none"]);
export type ReasoningSummary = z.infer<typeof ReasoningSummarySchema>;

export const PersonalitySchema = z.enum(["none", "friendly", "pragmatic"]);
