import { z } from "zod";
import {
  ApprovalsReviewerSchema,
  AskForApprovalSchema,
  PersonalitySchema,
  SandboxModeSchema,
  SandboxPolicySchema,
} from "./v2-common.js";
import { TurnSchema } from "./v2-items.js";
import { DynamicToolSpecSchema } from "./v2-dynamic-tools.js";

// The v2 thread methods (codex-schema 0.169.0). Params are `.loose()`: clients send fields of
// newer Codex versions (`runtimeWorkspaceRoots`, `multiAgentMode`, …) that Spool ignores.

export const ThreadStatusSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("notLoaded") }),
  z.object({ type: z.literal("idle") }),
  z.object({ type: z.literal("systemError") }),
  z.object({
    type: z.literal("active"),
    activeFlags: z.array(z.enum(["waitingOnApproval", "waitingOnUserInput"])),
  }),
]);
export type ThreadStatus = z.infer<typeof ThreadStatusSchema>;

export const SessionSourceSchema = z.union([
  z.enum(["cli", "vscode", "exec", "appServer", "unknown"]),
  z.object({ custom: z.string() }).strict(),
  z.object({ subAgent: z.unknown() }).strict(),
]);
export type SessionSource = z.infer<typeof SessionSourceSchema>;

export const GitInfoSchema = z.object({
  sha: z.string().nullish(),
  branch: z.string().nullish(),
  originUrl: z.string().nullish(),
});

const nullableString = z.string().nullish();

export const ThreadSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  preview: z.string(),
  ephemeral: z.boolean(),
  modelProvider: z.string(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  status: ThreadStatusSchema,
  path: z.string().nullable(),
  cwd: z.string(),
  cliVersion: z.string(),
  source: SessionSourceSchema,
  projectId: z.string().nullable(),
  turns: z.array(TurnSchema),
  model: nullableString,
  reasoningEffort: nullableString,
  name: nullableString,
  forkedFromId: nullableString,
  parentThreadId: nullableString,
  gitInfo: GitInfoSchema.nullish(),
  agentNickname: nullableString,
  agentRole: nullableString,
  originator: nullableString,
  threadSource: nullableString,
  recencyAt: z.number().int().nullish(),
});
export type Thread = z.infer<typeof ThreadSchema>;

const nstr = z.string().nullish();

/** The per-thread settings `thread/start`, `thread/resume` and `thread/fork` may override. */
const threadOverrides = {
  model: nstr,
  modelProvider: nstr,
  cwd: nstr,
  approvalPolicy: AskForApprovalSchema.nullish(),
  approvalsReviewer: ApprovalsReviewerSchema.nullish(),
  sandbox: SandboxModeSchema.nullish(),
  config: z.record(z.string(), z.unknown()).nullish(),
  baseInstructions: nstr,
  developerInstructions: nstr,
  personality: PersonalitySchema.nullish(),
  serviceTier: nstr,
};

export const ThreadStartParamsSchema = z
  .object({
    ...threadOverrides,
    ephemeral: z.boolean().nullish(),
    serviceName: nstr,
    sessionStartSource: z.enum(["startup", "clear"]).nullish(),
    threadSource: nstr,
    dynamicTools: z.array(DynamicToolSpecSchema).nullish(),
  })
  .loose();
export type ThreadStartParams = z.infer<typeof ThreadStartParamsSchema>;

export const ThreadResumeParamsSchema = z
  .object({ threadId: z.string(), ...threadOverrides, excludeTurns: z.boolean().optional() })
  .loose();
export type ThreadResumeParams = z.infer<typeof ThreadResumeParamsSchema>;

export const ThreadForkParamsSchema = z
  .object({
    threadId: z.string(),
    ...threadOverrides,
    ephemeral: z.boolean().optional(),
    lastTurnId: nstr,
    excludeTurns: z.boolean().optional(),
    threadSource: nstr,
  })
  .loose();
export type ThreadForkParams = z.infer<typeof ThreadForkParamsSchema>;

export const ThreadSourceKindSchema = z.enum([
  "cli",
  "vscode",
  "exec",
  "appServer",
  "subAgent",
  "subAgentReview",
  "subAgentCompact",
  "subAgentThreadSpawn",
  "subAgentOther",
  "unknown",
]);
export type ThreadSourceKind = z.infer<typeof ThreadSourceKindSchema>;

export const ThreadListParamsSchema = z
  .object({
    cursor: nstr,
    limit: z.number().int().min(0).max(0xffffffff).nullish(),
    sortKey: z.enum(["created_at", "updated_at", "recency_at", "section_position"]).nullish(),
    sortDirection: z.enum(["asc", "desc"]).nullish(),
    modelProviders: z.array(z.string()).nullish(),
    sourceKinds: z.array(ThreadSourceKindSchema).nullish(),
    archived: z.boolean().nullish(),
    cwd: z.union([z.string(), z.array(z.string())]).nullish(),
    searchTerm: nstr,
    excludedThreadIds: z.array(z.string()).max(100).nullish(),
    originators: z.array(z.string()).nullish(),
    sectionId: nstr,
    useStateDbOnly: z.boolean().optional(),
    currentAccountOnly: z.boolean().optional(),
  })
  .loose();
export type ThreadListParams = z.infer<typeof ThreadListParamsSchema>;

export const ThreadReadParamsSchema = z
  .object({ threadId: z.string(), includeTurns: z.boolean().optional() })
  .loose();
export type ThreadReadParams = z.infer<typeof ThreadReadParamsSchema>;

export const ThreadUnsubscribeParamsSchema = z.object({ threadId: z.string() }).loose();
export type ThreadUnsubscribeParams = z.infer<typeof ThreadUnsubscribeParamsSchema>;

/** What `thread/start`, `thread/resume` and `thread/fork` answer. */
export const ThreadSessionResponseSchema = z.object({
  thread: ThreadSchema,
  model: z.string(),
  modelProvider: z.string(),
  serviceTier: z.string().nullable(),
  cwd: z.string(),
  approvalPolicy: AskForApprovalSchema,
  approvalsReviewer: ApprovalsReviewerSchema,
  sandbox: SandboxPolicySchema,
  reasoningEffort: z.string().nullable(),
  instructionSources: z.array(z.string()),
  disabledPluginIds: z.array(z.string()),
});
export type ThreadSessionResponse = z.infer<typeof ThreadSessionResponseSchema>;

export const ThreadListResponseSchema = z.object({
  data: z.array(ThreadSchema),
  nextCursor: z.string().nullable(),
  backwardsCursor: z.string().nullable(),
});
export type ThreadListResponse = z.infer<typeof ThreadListResponseSchema>;

export const ThreadReadResponseSchema = z.object({ thread: ThreadSchema });

export const ThreadUnsubscribeResponseSchema = z.object({
  status: z.enum(["unsubscribed", "notSubscribed", "notLoaded"]),
});
export type ThreadUnsubscribeStatus = z.infer<typeof ThreadUnsubscribeResponseSchema>["status"];
