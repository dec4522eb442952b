import { z } from "zod";
import { TurnSchema } from "./v2-items.js";

// The methods a full client (the Codex TUI) calls while it starts and between prompts, shapes
// from codex-schema-experimental/v2. Params are `.loose()`: an unknown optional field is ignored.

export const GetAccountParamsSchema = z.object({ refreshToken: z.boolean().nullish() }).loose();
export const GetAccountResponseSchema = z.object({
  // Spool never holds a ChatGPT account, so `account` is always null here.
  account: z.null(),
  userId: z.string().nullable(),
  requiresOpenaiAuth: z.boolean(),
  workspaceRouting: z.null(),
});
export type GetAccountResponse = z.infer<typeof GetAccountResponseSchema>;

export const ConfigRequirementsReadParamsSchema = z.object({}).loose();
export const ConfigRequirementsReadResponseSchema = z.object({
  requirements: z.null(),
  supportsIndependentSpeedModes: z.boolean().nullable(),
});

export const HooksListParamsSchema = z
  .object({ cwds: z.array(z.string()).nullish(), threadId: z.string().nullish() })
  .loose();
export const HooksListEntrySchema = z.object({
  cwd: z.string(),
  // Spool has no hooks yet: every entry's lists are empty.
  hooks: z.array(z.never()),
  warnings: z.array(z.string()),
  errors: z.array(z.object({ message: z.string(), path: z.string() })),
});
export const HooksListResponseSchema = z.object({ data: z.array(HooksListEntrySchema) });

export const SkillsListParamsSchema = z
  .object({ cwds: z.array(z.string()).nullish(), forceReload: z.boolean().nullish() })
  .loose();
export const SkillScopeSchema = z.enum(["user", "repo", "system", "admin"]);
export const SkillMetadataSchema = z.object({
  name: z.string(),
  description: z.string(),
  shortDescription: z.string().nullable().optional(),
  path: z.string(),
  scope: SkillScopeSchema,
  enabled: z.boolean(),
});
export type SkillMetadata = z.infer<typeof SkillMetadataSchema>;
export const SkillErrorInfoSchema = z.object({ message: z.string(), path: z.string() });
export type SkillErrorInfo = z.infer<typeof SkillErrorInfoSchema>;
export const SkillsListEntrySchema = z.object({
  cwd: z.string(),
  skills: z.array(SkillMetadataSchema),
  errors: z.array(SkillErrorInfoSchema),
});
export const SkillsListResponseSchema = z.object({ data: z.array(SkillsListEntrySchema) });

export const CollaborationModeListParamsSchema = z.object({}).loose();
export const CollaborationModeMaskSchema = z.object({
  name: z.string(),
  mode: z.enum(["plan", "default"]).nullable(),
  model: z.string().nullable(),
  reasoning_effort: z.string().nullable(),
});
export const CollaborationModeListResponseSchema = z.object({ data: z.array(CollaborationModeMaskSchema) });

export const BedrockCheckGovCloudRequirementsParamsSchema = z.object({}).loose();
export const BedrockCheckGovCloudRequirementsResponseSchema = z.object({
  isGovCloud: z.boolean(),
  shouldWarn: z.boolean(),
});

const PageLimit = z.number().int().min(0).max(0xffffffff).nullish();

export const ThreadLoadedListParamsSchema = z
  .object({ cursor: z.string().nullish(), limit: PageLimit })
  .loose();
export const ThreadLoadedListResponseSchema = z.object({
  data: z.array(z.string()),
  nextCursor: z.string().nullable(),
});

export const SortDirectionSchema = z.enum(["asc", "desc"]);
export const ThreadTurnsListParamsSchema = z
  .object({
    threadId: z.string(),
    cursor: z.string().nullish(),
    limit: PageLimit,
    sortDirection: SortDirectionSchema.nullish(),
    itemsView: z.enum(["notLoaded", "summary", "full"]).nullish(),
  })
  .loose();
export const ThreadTurnsListResponseSchema = z.object({
  data: z.array(TurnSchema),
  nextCursor: z.string().nullable(),
  backwardsCursor: z.string().nullable(),
});

export const ThreadUnreadPositionSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("threadStart") }),
  z.object({ type: z.literal("turn"), turnId: z.string() }),
]);
export type ThreadUnreadPosition = z.infer<typeof ThreadUnreadPositionSchema>;
export const ThreadReadStateSchema = z.object({
  firstUnread: ThreadUnreadPositionSchema.nullable(),
  revision: z.string(),
});
export type ThreadReadState = z.infer<typeof ThreadReadStateSchema>;
export const ThreadReadStateUpdateParamsSchema = z
  .object({
    threadId: z.string(),
    operation: z.discriminatedUnion("type", [
      z.object({ type: z.literal("read") }).loose(),
      z.object({ type: z.literal("unread") }).loose(),
    ]),
    expectedRevision: z.string(),
  })
  .loose();
export const ThreadReadStateUpdateResponseSchema = z.object({ readState: ThreadReadStateSchema });

export const PluginInstalledParamsSchema = z
  .object({
    cwds: z.array(z.string()).nullish(),
    installSuggestionPluginNames: z.array(z.string()).nullish(),
  })
  .loose();
export const PluginInstalledResponseSchema = z.object({
  // Spool has no plugins or marketplaces yet.
  marketplaces: z.array(z.never()),
  marketplaceLoadErrors: z.array(z.never()),
});
