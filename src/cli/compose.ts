import {
  AppServer,
  ModelCatalog,
  ThreadReadStates,
  ThreadSubscriptions,
  type AppServerOptions,
  type AppServerServices,
} from "../app-server/index.js";
import {
  ConfigError,
  otelSettingsFromConfig,
  resolveModelProviders,
  resolveObserveConfig,
  selectModelProvider,
  type LoadedConfig,
} from "../config/index.js";
import {
  ThreadManager,
  ThreadStore,
  ToolRegistry,
  applyPatchTool,
  execCommandTool,
  shellCommandTool,
  userShellRunner,
  type ToolRouter,
} from "../core/index.js";
import { ExecServerClient } from "../exec-server/index.js";
import { startEmbeddedStore, type EmbeddedStore } from "../observe/index.js";
import {
  TelemetryConfigError,
  installTelemetry,
  logger,
  resolveExporter,
  type MetricsClient,
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

/** What the services are built with besides config. */
export interface ServiceOptions {
  /** Session metrics (`codex.thread.started`, `codex.turn.*`); none when metrics are off. */
  metrics?: MetricsClient;
  /** Idle time before an unsubscribed thread unloads (default `SPOOL_THREAD_IDLE_UNLOAD_MS` or 30 min). */
  idleUnloadMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Default: the shell tools over the in-process (or configured remote) exec-server. */
  tools?: ToolRouter;
}

/**
 * The tools core offers the model: `exec_command` and `shell_command` through one exec-server
 * connection, opened on the first command — in this process, or remote when
 * `SPOOL_EXEC_SERVER_URL` / `exec_server_url` names one (bearer token from
 * `SPOOL_EXEC_SERVER_TOKEN`). A remote exec-server that cannot be reached fails that call only;
 * the next call tries again.
 */
export function buildTools(config: LoadedConfig, env: NodeJS.ProcessEnv): ToolRegistry {
  const url = env.SPOOL_EXEC_SERVER_URL || config.config.exec_server_url;
  const token = env.SPOOL_EXEC_SERVER_TOKEN;
  let client: Promise<ExecServerClient> | undefined;
  const exec = (): Promise<ExecServerClient> => {
    client ??= url
      ? ExecServerClient.connectWebSocket(url, token ? { token } : {})
      : ExecServerClient.inProcess();
    client.catch(() => (client = undefined));
    return client;
  };
  return new ToolRegistry(
    [execCommandTool(exec), shellCommandTool(exec), applyPatchTool()],
    async () => {
      const c = await client?.catch(() => undefined);
      c?.close();
    },
    userShellRunner(exec),
  );
}

/**
 * The embedded default: with no trace and no log exporter configured (neither `[otel]` nor
 * `OTEL_*`), `[observe] embedded` (default true) and the SDK not disabled, spans, `codex_otel`
 * log events and the timing events go into the local observe store, through a worker thread.
 */
export function embeddedStoreFor(
  config: LoadedConfig,
  env: NodeJS.ProcessEnv = process.env,
): EmbeddedStore | undefined {
  const observe = resolveObserveConfig(config.config.observe, config.home);
  if (!observe.embedded || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  const otel = otelSettingsFromConfig(config, env);
  if (resolveExporter("traces", otel.traceExporter, env).kind !== "none") return undefined;
  if (resolveExporter("logs", otel.exporter, env).kind !== "none") return undefined;
  return startEmbeddedStore({
    storePath: observe.storePath,
    retention: { maxAgeMs: observe.maxAgeMs, maxBytes: observe.maxBytes },
  });
}

/**
 * The app-server's services from a loaded config: the model catalog, the model providers, and
 * core (threads on disk under `SPOOL_HOME`, their index, subscriptions).
 * Throws `ConfigError` naming the key when the provider `model_provider` selects is unusable;
 * other providers Spool cannot serve are skipped (logged at debug).
 */
export function buildAppServerServices(
  config: LoadedConfig,
  options: ServiceOptions = {},
): AppServerServices {
  const resolveOptions = {
    file: config.file,
    origins: config.origins,
    strictId: config.config.model_provider ?? "openai",
    onInvalid: (id: string, error: Error) =>
      log.debug("model provider not usable by Spool; ignored", { provider: id, reason: error.message }),
  };
  const providers = resolveModelProviders(config.config.model_providers, resolveOptions);
  const catalog = new ModelCatalog(config.config);
  const modelProvider = selectModelProvider(config.config, resolveOptions, providers);
  const core = new ThreadManager({
    config,
    providers,
    defaultProvider: modelProvider,
    defaultModel:
      config.config.model ??
      catalog.list({ includeHidden: true }).data.find((m) => m.isDefault)?.id ??
      "gpt-5",
    metrics: options.metrics,
    store: ThreadStore.open(config.home),
    tools: options.tools ?? buildTools(config, options.env ?? process.env),
    idleUnloadMs: options.idleUnloadMs,
    env: options.env,
  });
  const subscriptions = new ThreadSubscriptions(core);
  const readStates = new ThreadReadStates((threadId, readState) =>
    subscriptions.notifySubscribers(threadId, "thread/readState/changed", { threadId, readState }),
  );
  core.onUnload((threadId) => readStates.forget(threadId));
  return { config, catalog, providers, modelProvider, core, subscriptions, readStates };
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
  const embedded = embeddedStoreFor(config);
  const telemetry = installTelemetryFromConfig(
    config,
    embedded ? { exporters: { traces: embedded.spanExporter, logs: embedded.logExporter } } : {},
  );
  if (embedded && telemetry.loggerProvider) embedded.tapTimingEvents(telemetry.loggerProvider);
  try {
    const services = buildAppServerServices(config, { metrics: telemetry.metrics });
    return { telemetry, services, server: new AppServer({ ...serverOptions, services }) };
  } catch (err) {
    await telemetry.shutdown();
    if (err instanceof ConfigError) throw new StartupError(`config error: ${err.message}`);
    throw err;
  }
}
