import { z } from "zod";
import {
  ApprovalsReviewerSchema,
  AskForApprovalSchema,
  PersonalitySchema,
  ReasoningSummarySchema,
  SandboxPolicySchema,
} from "./v2-common.js";

// Thread names, collaboration modes and the thread-settings notification (codex-schema-
// experimental 0.169.0: `ThreadSetNameParams`, `CollaborationMode`, `ThreadSettingsUpdatedNotification`).

export const ThreadSetNameParamsSchema = z.object({ threadId: z.string(), name: z.string() }).loose();
export type ThreadSetNameParams = z.infer<typeof ThreadSetNameParamsSchema>;
export const ThreadSetNameResponseSchema = z.object({});

export const CollaborationModeKindSchema = z.enum(["plan", "default"]);

/** `turn/start.collaborationMode`: the mode and the settings it runs with (snake_case inside). */
export const CollaborationModeSchema = z
  .object({
    mode: CollaborationModeKindSchema,
    settings: z
      .object({
        model: z.string(),
        reasoning_effort: z.string().min(1).nullish(),
        developer_instructions: z.string().nullish(),
      })
      .loose(),
  })
  .loose();
export type CollaborationMode = z.infer<typeof CollaborationModeSchema>;

/** The settings a thread's next turns run with, as `thread/settings/updated` reports them. */
export const ThreadSettingsSnapshotSchema = z.object({
  cwd: z.string(),
  approvalPolicy: AskForApprovalSchema,
  approvalsReviewer: ApprovalsReviewerSchema,
  sandboxPolicy: SandboxPolicySchema,
  model: z.string(),
  modelProvider: z.string(),
  serviceTier: z.string().nullable(),
  effort: z.string().min(1).nullable(),
  summary: ReasoningSummarySchema.nullable(),
  collaborationMode: CollaborationModeSchema,
  personality: PersonalitySchema.nullable(),
  disabledPluginIds: z.array(z.string()),
});
export type ThreadSettingsSnapshot = z.infer<typeof ThreadSettingsSnapshotSchema>;

export const THREAD_SETTINGS_NOTIFICATIONS = {
  "thread/name/updated": z.object({ threadId: z.string(), threadName: z.string().nullish() }),
  "thread/settings/updated": z.object({ threadId: z.string(), threadSettings: ThreadSettingsSnapshotSchema }),
  /** A warning for the user, about one thread when `threadId` is set. */
  warning: z.object({ message: z.string(), threadId: z.string().nullish() }),
} as const;
