export { ConfigError } from "./errors.js";
export { loadConfig, spoolHome } from "./load.js";
export type { LoadedConfig } from "./load.js";
export type { CatalogModel, SpoolConfig } from "./schema.js";
export { ObserveTomlSchema, resolveObserveConfig } from "./observe-settings.js";
export type { ObserveConfig, ObserveToml } from "./observe-settings.js";
export { otelSettingsFromConfig, resolveOtelSettings } from "./otel-settings.js";
export { finishModelProvider, resolveModelProviders, selectModelProvider } from "./model-providers.js";
export type { ModelProvider } from "./model-providers.js";
