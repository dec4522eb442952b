import { z } from "zod";
import { RequestIdSchema } from "./jsonrpc.js";
import { DynamicToolCallParamsSchema } from "./v2-dynamic-tools.js";

// Server → client approval requests and their answers (codex-schema 0.169.0, ServerRequest.json).

const CommandActionSchema = z.object({ type: z.literal("unknown"), command: z.string() }).loose();

const requestCommon = {
  threadId: z.string(),
  turnId: z.string(),
  itemId: z.string(),
  startedAtMs: z.number().int(),
  reason: z.string().nullish(),
};

export const CommandExecutionRequestApprovalParamsSchema = z.object({
  ...requestCommon,
  approvalId: z.string().nullish(),
  command: z.string().nullish(),
  cwd: z.string().nullish(),
  commandActions: z.array(CommandActionSchema).nullish(),
});
export type CommandExecutionRequestApprovalParams = z.infer<
  typeof CommandExecutionRequestApprovalParamsSchema
>;

export const FileChangeRequestApprovalParamsSchema = z.object({
  ...requestCommon,
  grantRoot: z.string().nullish(),
});
export type FileChangeRequestApprovalParams = z.infer<typeof FileChangeRequestApprovalParamsSchema>;

/**
 * The decisions Spool acts on. The schema's amendment decisions for commands
 * (`acceptWithExecpolicyAmendment`, `applyNetworkPolicyAmendment`) approve this one command.
 */
export const CommandExecutionRequestApprovalResponseSchema = z.object({
  decision: z.union([
    z.enum(["accept", "acceptForSession", "decline", "cancel"]),
    z.object({ acceptWithExecpolicyAmendment: z.object({ execpolicy_amendment: z.array(z.string()) }) }),
    z.object({ applyNetworkPolicyAmendment: z.object({ network_policy_amendment: z.unknown() }) }),
  ]),
});
export const FileChangeRequestApprovalResponseSchema = z.object({
  decision: z.enum(["accept", "acceptForSession", "decline", "cancel"]),
});

/** Every server → client request Spool sends: method → params schema. */
export const SERVER_REQUESTS = {
  "item/commandExecution/requestApproval": CommandExecutionRequestApprovalParamsSchema,
  "item/fileChange/requestApproval": FileChangeRequestApprovalParamsSchema,
  "item/tool/call": DynamicToolCallParamsSchema,
} as const;
export type ServerRequestMethod = keyof typeof SERVER_REQUESTS;

export const ServerRequestResolvedSchema = z.object({ threadId: z.string(), requestId: RequestIdSchema });

const PatchChangeKindSchema = z.union([
  z.object({ type: z.literal("add") }),
  z.object({ type: z.literal("delete") }),
  z.object({ type: z.literal("update"), move_path: z.string().nullish() }),
]);
export const FileUpdateChangeSchema = z.object({
  path: z.string(),
  kind: PatchChangeKindSchema,
  diff: z.string(),
});
