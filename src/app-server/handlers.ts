import { arch, platform, release, type } from "node:os";
import type { ConfigLayer, ConfigReadResponse, InitializeResponse } from "../protocol/index.js";
import { SPOOL_VERSION } from "../telemetry/index.js";
import { JsonRpcError, MethodTable, implement } from "../rpc/index.js";
import { configRead, initialize, modelList, type HandlerContext } from "./methods.js";
import { THREAD_HANDLERS } from "./thread-handlers.js";
import { THREAD_STORE_HANDLERS } from "./thread-store-handlers.js";
import { TASK_HANDLERS } from "./task-handlers.js";
import { TURN_HANDLERS } from "./turn-handlers.js";
import { STARTUP_HANDLERS } from "./startup-handlers.js";

function platformOs(): string {
  const p = platform();
  return p === "darwin" ? "macos" : p === "win32" ? "windows" : p;
}

const handleInitialize = implement(
  initialize,
  (params, { session, services }: HandlerContext): InitializeResponse => {
    session.initialize(params);
    const client = `${params.clientInfo.name}/${params.clientInfo.version}`;
    return {
      userAgent: `spool/${SPOOL_VERSION} (${type()} ${release()}; ${arch()}) ${client}`,
      codexHome: services.config.home,
      platformFamily: platform() === "win32" ? "windows" : "unix",
      platformOs: platformOs(),
    };
  },
);

const handleModelList = implement(modelList, (params, { services }: HandlerContext) => {
  const provider = params.modelProvider;
  if (provider && !services.providers.has(provider)) {
    throw JsonRpcError.invalidParams(
      `Invalid params: modelProvider: unknown provider ${JSON.stringify(provider)}`,
    );
  }
  return services.catalog.list(params);
});

const handleConfigRead = implement(configRead, (params, { services }: HandlerContext): ConfigReadResponse => {
  const loaded = services.config;
  const config: Record<string, unknown> = {
    model:
      loaded.config.model ?? services.catalog.list({ includeHidden: true }).data.find((m) => m.isDefault)?.id,
    model_provider: services.modelProvider.id,
    ...loaded.raw,
  };
  const layers: ConfigLayer[] | null = params.includeLayers
    ? [...loaded.layers].reverse().map((l) => ({ name: l.source, version: l.version, config: l.table }))
    : null;
  return { config, origins: loaded.origins, layers };
});

/** The v2 surface this server answers; `initialize` gates the rest. */
export const APP_SERVER_METHODS = new MethodTable<HandlerContext>(
  [
    handleInitialize,
    handleModelList,
    handleConfigRead,
    ...THREAD_HANDLERS,
    ...THREAD_STORE_HANDLERS,
    ...TURN_HANDLERS,
    ...STARTUP_HANDLERS,
    ...TASK_HANDLERS,
  ],
  { initialize: initialize.method },
);
