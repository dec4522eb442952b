import { z } from "zod";
import {
  ApprovalsReviewerSchema,
  AskForApprovalSchema,
  PersonalitySchema,
  ReasoningSummarySchema,
  SandboxPolicySchema,
  UserInputSchema,
  type ThreadTokenUsage,
} from "./v2-common.js";
import type { ThreadItem, Turn, TurnError } from "./v2-items.js";
import type { Thread, ThreadStatus } from "./v2-thread.js";

// The v2 turn methods and the notifications a turn streams (codex-schema 0.169.0).

const nstr = z.string().nullish();

export const TurnStartParamsSchema = z
  .object({
    threadId: z.string(),
    input: z.array(UserInputSchema),
    cwd: nstr,
    approvalPolicy: AskForApprovalSchema.nullish(),
    approvalsReviewer: ApprovalsReviewerSchema.nullish(),
    sandboxPolicy: SandboxPolicySchema.nullish(),
    model: nstr,
    serviceTier: nstr,
    serviceTierForTurn: nstr,
    effort: z.string().min(1).nullish(),
    summary: ReasoningSummarySchema.nullish(),
    personality: PersonalitySchema.nullish(),
    outputSchema: z.unknown().optional(),
    clientUserMessageId: nstr,
    disabledPluginIds: z.array(z.string()).nullish(),
    parentTurnId: nstr,
    rootTurnId: nstr,
    turnTrigger: z.unknown().optional(),
    toolOutput: z.unknown().optional(),
  })
  .loose();
export type TurnStartParams = z.infer<typeof TurnStartParamsSchema>;

export const TurnSteerParamsSchema = z
  .object({
    threadId: z.string(),
    input: z.array(UserInputSchema),
    expectedTurnId: z.string(),
    clientUserMessageId: nstr,
  })
  .loose();
export type TurnSteerParams = z.infer<typeof TurnSteerParamsSchema>;

export const TurnInterruptParamsSchema = z.object({ threadId: z.string(), turnId: z.string() }).loose();
export type TurnInterruptParams = z.infer<typeof TurnInterruptParamsSchema>;

export interface TurnStartResponse {
  turn: Turn;
}
export interface TurnSteerResponse {
  turnId: string;
}

/** Every server → client notification Spool sends, by method, with its params. */
export interface ServerNotificationParams {
  "thread/started": { thread: Thread };
  "thread/status/changed": { threadId: string; status: ThreadStatus };
  "thread/closed": { threadId: string };
  "thread/tokenUsage/updated": { threadId: string; turnId: string; tokenUsage: ThreadTokenUsage };
  "turn/started": { threadId: string; turn: Turn };
  "turn/completed": { threadId: string; turn: Turn };
  "item/started": { threadId: string; turnId: string; item: ThreadItem; startedAtMs: number };
  "item/completed": { threadId: string; turnId: string; item: ThreadItem; completedAtMs: number };
  "item/agentMessage/delta": { threadId: string; turnId: string; itemId: string; delta: string };
  "item/reasoning/summaryTextDelta": {
    threadId: string;
    turnId: string;
    itemId: string;
    delta: string;
    summaryIndex: number;
  };
  "item/reasoning/summaryPartAdded": {
    threadId: string;
    turnId: string;
    itemId: string;
    summaryIndex: number;
  };
  "item/reasoning/textDelta": {
    threadId: string;
    turnId: string;
    itemId: string;
    delta: string;
    contentIndex: number;
  };
  error: { threadId: string; turnId: string; error: TurnError; willRetry: boolean };
}
export type ServerNotificationMethod = keyof ServerNotificationParams;
