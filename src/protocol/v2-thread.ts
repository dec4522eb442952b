import { z } from "zod";
import {
  ApprovalsReviewerSchema,
  AskForApprovalSchema,
  PersonalitySchema,
  SandboxModeSchema,
  type ApprovalsReviewer,
  type AskForApproval,
  type SandboxPolicy,
} from "./v2-common.js";
import type { Turn } from "./v2-items.js";

// The v2 thread methods (codex-schema 0.169.0). Params are `.loose()`: clients send fields of
// newer Codex versions (`runtimeWorkspaceRoots`, `multiAgentMode`, …) that Spool ignores.

export type ThreadActiveFlag = "waitingOnApproval" | "waitingOnUserInput";
export type ThreadStatus =
  | { type: "notLoaded" }
  | { type: "idle" }
  | { type: "systemError" }
  | { type: "active"; activeFlags: ThreadActiveFlag[] };

export type SessionSource =
  "cli" | "vscode" | "exec" | "appServer" | "unknown" | { custom: string } | { subAgent: unknown };

export interface GitInfo {
  sha?: string | null;
  branch?: string | null;
  originUrl?: string | null;
}

export interface Thread {
  id: string;
  sessionId: string;
  preview: string;
  ephemeral: boolean;
  modelProvider: string;
  createdAt: number;
  updatedAt: number;
  status: ThreadStatus;
  path: string | null;
  cwd: string;
  cliVersion: string;
  source: SessionSource;
  projectId: string | null;
  turns: Turn[];
  model?: string | null;
  reasoningEffort?: string | null;
  name?: string | null;
  forkedFromId?: string | null;
  parentThreadId?: string | null;
  gitInfo?: GitInfo | null;
  agentNickname?: string | null;
  agentRole?: string | null;
  originator?: string | null;
  threadSource?: string | null;
  recencyAt?: number | null;
}

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
export interface ThreadSessionResponse {
  thread: Thread;
  model: string;
  modelProvider: string;
  serviceTier: string | null;
  cwd: string;
  approvalPolicy: AskForApproval;
  approvalsReviewer: ApprovalsReviewer;
  sandbox: SandboxPolicy;
  reasoningEffort: string | null;
  instructionSources: string[];
  disabledPluginIds: string[];
}

export interface ThreadListResponse {
  data: Thread[];
  nextCursor: string | null;
  backwardsCursor: string | null;
}

export type ThreadUnsubscribeStatus = "unsubscribed" | "notSubscribed" | "notLoaded";
