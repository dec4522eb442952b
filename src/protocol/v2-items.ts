import { z } from "zod";
import { UserInputSchema } from "./user-input.js";
import { FileUpdateChangeSchema } from "./v2-approvals.js";

// ThreadItem and Turn, the units of a thread's history on the wire (codex-schema 0.169.0).

const times = {
  startedAtMs: z.number().int().nullish(),
  completedAtMs: z.number().int().nullish(),
};

export const UserMessageItemSchema = z.object({
  type: z.literal("userMessage"),
  id: z.string(),
  content: z.array(UserInputSchema),
  clientId: z.string().nullish(),
  ...times,
});
export const AgentMessageItemSchema = z.object({
  type: z.literal("agentMessage"),
  id: z.string(),
  text: z.string(),
  phase: z.string().nullish(),
  ...times,
});
export const ReasoningItemSchema = z.object({
  type: z.literal("reasoning"),
  id: z.string(),
  summary: z.array(z.string()).optional(),
  content: z.array(z.string()).optional(),
  ...times,
});
const FunctionCallOutputItemSchema = z.object({
  type: z.literal("functionCallOutput"),
  id: z.string(),
  name: z.string(),
  output: z.string(),
  namespace: z.string().nullish(),
  ...times,
});
const CommandActionSchema = z.union([
  z.object({ type: z.literal("read"), command: z.string(), name: z.string(), path: z.string() }),
  z.object({ type: z.literal("listFiles"), command: z.string(), path: z.string().nullish() }),
  z.object({
    type: z.literal("search"),
    command: z.string(),
    path: z.string().nullish(),
    query: z.string().nullish(),
  }),
  z.object({ type: z.literal("unknown"), command: z.string() }),
]);
export const CommandExecutionItemSchema = z.object({
  type: z.literal("commandExecution"),
  id: z.string(),
  command: z.string(),
  commandActions: z.array(CommandActionSchema),
  cwd: z.string(),
  status: z.enum(["inProgress", "completed", "failed", "declined"]),
  source: z.enum(["agent", "userShell", "unifiedExecStartup", "unifiedExecInteraction"]).optional(),
  processId: z.string().nullish(),
  aggregatedOutput: z.string().nullish(),
  exitCode: z.number().int().nullish(),
  durationMs: z.number().int().nullish(),
  ...times,
});
export const FileChangeItemSchema = z.object({
  type: z.literal("fileChange"),
  id: z.string(),
  changes: z.array(FileUpdateChangeSchema),
  status: z.enum(["inProgress", "completed", "failed", "declined"]),
  ...times,
});
export const EnteredReviewModeItemSchema = z.object({
  type: z.literal("enteredReviewMode"),
  id: z.string(),
  /** What is reviewed, in words (Codex's user-facing hint, e.g. `current changes`). */
  review: z.string(),
  ...times,
});
export const ExitedReviewModeItemSchema = z.object({
  type: z.literal("exitedReviewMode"),
  id: z.string(),
  /** The review's findings as text. */
  review: z.string(),
  ...times,
});
export const ContextCompactionItemSchema = z.object({
  type: z.literal("contextCompaction"),
  id: z.string(),
  ...times,
});
export const DynamicToolCallItemSchema = z.object({
  type: z.literal("dynamicToolCall"),
  id: z.string(),
  namespace: z.string().nullish(),
  tool: z.string(),
  arguments: z.unknown(),
  status: z.enum(["inProgress", "completed", "failed"]),
  contentItems: z.array(z.object({ type: z.string() }).loose()).nullish(),
  success: z.boolean().nullish(),
  durationMs: z.number().int().nullish(),
  ...times,
});
/** Item kinds later layers add (commandExecution, fileChange, …) keep their own fields. */
const OtherItemSchema = z
  .object({ type: z.string(), id: z.string(), ...times })
  .loose()
  .refine(
    (i) =>
      ![
        "userMessage",
        "agentMessage",
        "reasoning",
        "functionCallOutput",
        "commandExecution",
        "fileChange",
        "dynamicToolCall",
        "enteredReviewMode",
        "exitedReviewMode",
        "contextCompaction",
      ].includes(i.type),
    {
      message: "malformed item of a known type",
    },
  );

export const ThreadItemSchema = z.union([
  UserMessageItemSchema,
  AgentMessageItemSchema,
  ReasoningItemSchema,
  FunctionCallOutputItemSchema,
  CommandExecutionItemSchema,
  FileChangeItemSchema,
  EnteredReviewModeItemSchema,
  ExitedReviewModeItemSchema,
  ContextCompactionItemSchema,
  DynamicToolCallItemSchema,
  OtherItemSchema,
]);
export type DynamicToolCallItem = z.infer<typeof DynamicToolCallItemSchema>;
export type UserMessageItem = z.infer<typeof UserMessageItemSchema>;
export type AgentMessageItem = z.infer<typeof AgentMessageItemSchema>;
export type ReasoningItem = z.infer<typeof ReasoningItemSchema>;
export type CommandExecutionItem = z.infer<typeof CommandExecutionItemSchema>;
export type FileChangeItem = z.infer<typeof FileChangeItemSchema>;
export type ThreadItem = z.infer<typeof ThreadItemSchema>;

const statusCode = z.object({ httpStatusCode: z.number().int().nullable() });
export const CodexErrorInfoSchema = z.union([
  z.enum([
    "contextWindowExceeded",
    "sessionBudgetExceeded",
    "usageLimitExceeded",
    "rateLimitExceeded",
    "serverOverloaded",
    "modelNotFound",
    "internalServerError",
    "unauthorized",
    "badRequest",
    "other",
  ]),
  z.object({ httpConnectionFailed: statusCode }).strict(),
  z.object({ responseStreamConnectionFailed: statusCode }).strict(),
  z.object({ responseStreamDisconnected: statusCode }).strict(),
  z.object({ responseTooManyFailedAttempts: statusCode }).strict(),
]);
export type CodexErrorInfo = z.infer<typeof CodexErrorInfoSchema>;

export const TurnErrorSchema = z.object({
  message: z.string(),
  codexErrorInfo: CodexErrorInfoSchema.nullish(),
  additionalDetails: z.string().nullish(),
});
export type TurnError = z.infer<typeof TurnErrorSchema>;

export const TurnStatusSchema = z.enum(["inProgress", "completed", "interrupted", "failed"]);
export type TurnStatus = z.infer<typeof TurnStatusSchema>;
export const TurnItemsViewSchema = z.enum(["notLoaded", "summary", "full"]);
export type TurnItemsView = z.infer<typeof TurnItemsViewSchema>;

export const TurnSchema = z.object({
  id: z.string(),
  items: z.array(ThreadItemSchema),
  status: TurnStatusSchema,
  error: TurnErrorSchema.nullable(),
  startedAt: z.number().int().nullable(),
  completedAt: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  itemsView: TurnItemsViewSchema,
  rootTurnId: z.string().nullish(),
});
export type Turn = z.infer<typeof TurnSchema>;
