import {
  AppServer,
  ModelCatalog,
  type AppServerOptions,
  type AppServerServices,
} from "../app-server/index.js";
import {
  ConfigError,
  otelSettingsFromConfig,
  resolveModelProviders,
  selectModelProvider,
  type LoadedConfig,
} from "../config/index.js";
import {
  TelemetryConfigError,
  installTelemetry,
  logger,
  type TelemetryHandle,
  type TelemetryOptions,
} from "../telemetry/index.js";
import { StartupError } from "./failure.js";

// The composition root: the one place the process's parts are built, in order — config (already
// loaded by the verb) → telemetry installed first, so everything built after it is traced →
// model providers resolved → services (catalog, providers; core joins here) → the server, handed
// its services.

const log = logger("spool_cli::compose");

/**
 * Installs telemetry from `[otel]` and the standard `OTEL_*` variables. A setting that cannot be
 * honoured is a `StartupError` naming the key.
 */
export function installTelemetryFromConfig(
  config: LoadedConfig,
  options: Omit<TelemetryOptions, "settings"> = {},
): TelemetryHandle {
  try {
    return installTelemetry({ ...options, settings: otelSettingsFromConfig(config, options.env) });
  } catch (err) {
    if (err instanceof TelemetryConfigError || err instanceof ConfigError) {
      throw new StartupError(`config error: ${err.message}`);
    }
    throw err;
  }
}

/**
 * The app-server's services from a loaded config: the model catalog and the model providers.
 * Throws `ConfigError` naming the key when the provider `model_provider` selects is unusable;
 * other providers Spool cannot serve are skipped (logged at debug).
 */
export function buildAppServerServices(config: LoadedConfig): AppServerServices {
  const resolveOptions = {
    file: config.file,
    origins: config.origins,
    strictId: config.config.model_provider ?? "openai",
    onInvalid: (id: string, error: Error) =>
      log.debug("model provider not usable by Spool; ignored", { provider: id, reason: error.message }),
  };
  const providers = resolveModelProviders(config.config.model_providers, resolveOptions);
  return {
    config,
    catalog: new ModelCatalog(config.config),
    providers,
    modelProvider: selectModelProvider(config.config, resolveOptions, providers),
  };
}

/** The app-server process, composed: its telemetry, its services and the server using them. */
export interface AppServerComposition {
  telemetry: TelemetryHandle;
  services: AppServerServices;
  server: AppServer;
}

/**
 * Composes the app-server process in order. A config error at any step is a `StartupError`; if a
 * step after telemetry fails, telemetry is shut down again before the error propagates.
 */
export async function composeAppServer(
  config: LoadedConfig,
  serverOptions: Omit<AppServerOptions, "services"> = {},
): Promise<AppServerComposition> {
  const telemetry = installTelemetryFromConfig(config);
  try {
    const services = buildAppServerServices(config);
    return { telemetry, services, server: new AppServer({ ...serverOptions, services }) };
  } catch (err) {
    await telemetry.shutdown();
    if (err instanceof ConfigError) throw new StartupError(`config error: ${err.message}`);
    throw err;
  }
}
