export { ConfigError } from "./errors.js";
export { loadConfig, spoolHome } from "./load.js";
export type { ConfigLayerData, LoadConfigOptions, LoadedConfig } from "./load.js";
export { mergeTables, parseOverride, setPath, isTable, leafPaths } from "./overrides.js";
export type { TomlTable } from "./overrides.js";
export { locateKey } from "./locate.js";
export {
  AskForApprovalSchema,
  CatalogModelSchema,
  KNOWN_TOP_LEVEL_KEYS,
  SandboxModeSchema,
  SpoolConfigSchema,
} from "./schema.js";
export type { CatalogModel, SpoolConfig } from "./schema.js";
export { ObserveTomlSchema, resolveObserveConfig } from "./observe-settings.js";
export type { ObserveConfig, ObserveToml } from "./observe-settings.js";
export { OtelTomlSchema, otelSettingsFromConfig, resolveOtelSettings } from "./otel-settings.js";
export type { OtelExporterToml, OtelToml } from "./otel-settings.js";
export {
  BUILTIN_OPENAI_PROVIDER_ID,
  DEFAULT_REQUEST_MAX_RETRIES,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  DEFAULT_STREAM_MAX_RETRIES,
  DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS,
  MAX_PROVIDER_RETRIES,
  ModelProviderTomlSchema,
  builtinOpenAiProvider,
  finishModelProvider,
  resolveModelProviders,
  selectModelProvider,
} from "./model-providers.js";
export type { ModelProvider, ModelProviderToml, ResolveModelProvidersOptions } from "./model-providers.js";
