import { z } from "zod";
import { ThreadTokenUsageSchema } from "./token-usage.js";
import { ThreadReadStateSchema } from "./v2-client-startup.js";
import { ReviewTargetSchema, UserInputSchema } from "./user-input.js";
import {
  ApprovalsReviewerSchema,
  AskForApprovalSchema,
  PersonalitySchema,
  ReasoningSummarySchema,
  SandboxPolicySchema,
} from "./v2-common.js";
import { ServerRequestResolvedSchema } from "./v2-approvals.js";
import { ThreadItemSchema, TurnErrorSchema, TurnSchema } from "./v2-items.js";
import { ThreadSchema, ThreadStatusSchema } from "./v2-thread.js";
import { THREAD_ARCHIVE_NOTIFICATIONS } from "./v2-thread-store.js";
import { CollaborationModeSchema, THREAD_SETTINGS_NOTIFICATIONS } from "./v2-thread-settings.js";

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
    collaborationMode: CollaborationModeSchema.nullish(),
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

export const TurnStartResponseSchema = z.object({ turn: TurnSchema });
export type TurnStartResponse = z.infer<typeof TurnStartResponseSchema>;
export const TurnSteerResponseSchema = z.object({ turnId: z.string() });
export type TurnSteerResponse = z.infer<typeof TurnSteerResponseSchema>;
export const TurnInterruptResponseSchema = z.object({});

/** Codex 0.169's schema knows only `inline` delivery; anything else is invalid params. */
export const ReviewDeliverySchema = z.enum(["inline"]);
export const ReviewStartParamsSchema = z
  .object({ threadId: z.string(), target: ReviewTargetSchema, delivery: ReviewDeliverySchema.nullish() })
  .loose();
export type ReviewStartParams = z.infer<typeof ReviewStartParamsSchema>;
export const ReviewStartResponseSchema = z.object({ turn: TurnSchema, reviewThreadId: z.string() });
export type ReviewStartResponse = z.infer<typeof ReviewStartResponseSchema>;

export const ThreadCompactStartParamsSchema = z.object({ threadId: z.string() }).loose();
export type ThreadCompactStartParams = z.infer<typeof ThreadCompactStartParamsSchema>;
export const ThreadCompactStartResponseSchema = z.object({});

const ids = { threadId: z.string(), turnId: z.string() };

/** Every server → client notification Spool sends: method → params schema. */
export const SERVER_NOTIFICATIONS = {
  "thread/started": z.object({ thread: ThreadSchema }),
  "thread/status/changed": z.object({ threadId: z.string(), status: ThreadStatusSchema }),
  "thread/closed": z.object({ threadId: z.string() }),
  ...THREAD_ARCHIVE_NOTIFICATIONS,
  ...THREAD_SETTINGS_NOTIFICATIONS,
  "thread/readState/changed": z.object({ threadId: z.string(), readState: ThreadReadStateSchema }),
  "thread/tokenUsage/updated": z.object({ ...ids, tokenUsage: ThreadTokenUsageSchema }),
  "turn/started": z.object({ threadId: z.string(), turn: TurnSchema }),
  /** Deprecated in the schema in favour of the `contextCompaction` item; Codex still sends it. */
  "thread/compacted": z.object(ids),
  "turn/completed": z.object({ threadId: z.string(), turn: TurnSchema }),
  "item/started": z.object({ ...ids, item: ThreadItemSchema, startedAtMs: z.number().int() }),
  "item/completed": z.object({ ...ids, item: ThreadItemSchema, completedAtMs: z.number().int() }),
  "item/agentMessage/delta": z.object({ ...ids, itemId: z.string(), delta: z.string() }),
  "item/commandExecution/outputDelta": z.object({ ...ids, itemId: z.string(), delta: z.string() }),
  "item/commandExecution/terminalInteraction": z.object({
    ...ids,
    itemId: z.string(),
    processId: z.string(),
    stdin: z.string(),
  }),
  "item/reasoning/summaryTextDelta": z.object({
    ...ids,
    itemId: z.string(),
    delta: z.string(),
    summaryIndex: z.number().int(),
  }),
  "item/reasoning/summaryPartAdded": z.object({ ...ids, itemId: z.string(), summaryIndex: z.number().int() }),
  "item/reasoning/textDelta": z.object({
    ...ids,
    itemId: z.string(),
    delta: z.string(),
    contentIndex: z.number().int(),
  }),
  error: z.object({ ...ids, error: TurnErrorSchema, willRetry: z.boolean() }),
  "turn/diff/updated": z.object({ ...ids, diff: z.string() }),
  "serverRequest/resolved": ServerRequestResolvedSchema,
} as const;

export type ServerNotificationMethod = keyof typeof SERVER_NOTIFICATIONS;
export type ServerNotificationParams = {
  [M in ServerNotificationMethod]: z.infer<(typeof SERVER_NOTIFICATIONS)[M]>;
};
