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
export { OtelTomlSchema, otelConfigFromLoaded, resolveOtelConfig } from "./otel-settings.js";
export type {
  OtelConfig,
  OtelExporterConfig,
  OtelExporterToml,
  OtelTlsConfig,
  OtelToml,
} from "./otel-settings.js";
