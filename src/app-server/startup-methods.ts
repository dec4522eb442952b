import {
  BedrockCheckGovCloudRequirementsParamsSchema,
  BedrockCheckGovCloudRequirementsResponseSchema,
  CollaborationModeListParamsSchema,
  CollaborationModeListResponseSchema,
  ConfigRequirementsReadParamsSchema,
  ConfigRequirementsReadResponseSchema,
  GetAccountParamsSchema,
  GetAccountResponseSchema,
  HooksListParamsSchema,
  HooksListResponseSchema,
  PluginInstalledParamsSchema,
  PluginInstalledResponseSchema,
  SkillsListParamsSchema,
  SkillsListResponseSchema,
  ThreadLoadedListParamsSchema,
  ThreadLoadedListResponseSchema,
  ThreadReadStateUpdateParamsSchema,
  ThreadReadStateUpdateResponseSchema,
  ThreadTurnsListParamsSchema,
  ThreadTurnsListResponseSchema,
} from "../protocol/index.js";
import { defineMethod } from "../rpc/index.js";

// The methods a full client (the Codex TUI) needs around threads and turns: account and
// requirement probes, hooks, skills, collaboration modes, loaded threads, turn pages, read state.

export const accountRead = defineMethod({
  method: "account/read",
  params: GetAccountParamsSchema,
  result: GetAccountResponseSchema,
});

export const configRequirementsRead = defineMethod({
  method: "configRequirements/read",
  params: ConfigRequirementsReadParamsSchema,
  result: ConfigRequirementsReadResponseSchema,
});

export const hooksList = defineMethod({
  method: "hooks/list",
  params: HooksListParamsSchema,
  result: HooksListResponseSchema,
});

export const skillsList = defineMethod({
  method: "skills/list",
  params: SkillsListParamsSchema,
  result: SkillsListResponseSchema,
});

export const collaborationModeList = defineMethod({
  method: "collaborationMode/list",
  params: CollaborationModeListParamsSchema,
  result: CollaborationModeListResponseSchema,
});

export const bedrockCheckGovCloudRequirements = defineMethod({
  method: "account/bedrock/checkGovCloudRequirements",
  params: BedrockCheckGovCloudRequirementsParamsSchema,
  result: BedrockCheckGovCloudRequirementsResponseSchema,
});

export const threadLoadedList = defineMethod({
  method: "thread/loaded/list",
  params: ThreadLoadedListParamsSchema,
  result: ThreadLoadedListResponseSchema,
});

export const threadTurnsList = defineMethod({
  method: "thread/turns/list",
  params: ThreadTurnsListParamsSchema,
  result: ThreadTurnsListResponseSchema,
});

export const threadReadStateUpdate = defineMethod({
  method: "thread/readState/update",
  params: ThreadReadStateUpdateParamsSchema,
  result: ThreadReadStateUpdateResponseSchema,
});

export const pluginInstalled = defineMethod({
  method: "plugin/installed",
  params: PluginInstalledParamsSchema,
  result: PluginInstalledResponseSchema,
});
