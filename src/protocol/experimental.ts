/**
 * Params fields the Codex schema marks experimental: present in `codex-schema-experimental/`
 * (codex-cli 0.169.0 `generate-json-schema --experimental`) but not in the stable schema. A
 * connection must opt in with `capabilities.experimentalApi` to send them.
 */
export const EXPERIMENTAL_PARAMS: Readonly<Record<string, readonly string[]>> = {
  "thread/start": [
    "allowProviderModelFallback",
    "daybreakEnabled",
    "dynamicTools",
    "environments",
    "experimentalRawEvents",
    "historyMode",
    "mockExperimentalField",
    "multiAgentMode",
    "permissions",
    "projectId",
    "runtimeWorkspaceRoots",
    "selectedCapabilityRoots",
  ],
  "thread/resume": ["history", "initialTurnsPage", "path", "permissions", "runtimeWorkspaceRoots"],
  "thread/fork": [
    "attachToSource",
    "beforeTurnId",
    "deferGoalContinuation",
    "experimentalDisablePredictionMcp",
    "experimentalPredictionMode",
    "path",
    "permissions",
    "runtimeWorkspaceRoots",
  ],
  "thread/list": [
    "ancestorThreadId",
    "attachedToThreadId",
    "includeAttachedThreads",
    "parentThreadId",
    "projectId",
  ],
  "turn/start": [
    "additionalContext",
    "collaborationMode",
    "cyberAccessProgram",
    "environments",
    "multiAgentMode",
    "permissions",
    "responsesapiClientMetadata",
    "responsesapiClientMetadataPatch",
    "runtimeWorkspaceRoots",
  ],
  "turn/steer": ["additionalContext", "responsesapiClientMetadata", "responsesapiClientMetadataPatch"],
};

/** The first experimental field `params` sets (a `null` value counts as not set), if any. */
export function experimentalFieldIn(method: string, params: unknown): string | undefined {
  const fields = EXPERIMENTAL_PARAMS[method];
  if (!fields || typeof params !== "object" || params === null) return undefined;
  const record = params as Record<string, unknown>;
  return fields.find((f) => record[f] !== undefined && record[f] !== null);
}
