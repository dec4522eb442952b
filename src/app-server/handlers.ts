import { arch, platform, release, type } from "node:os";
import {
  ConfigReadParamsSchema,
  InitializeParamsSchema,
  ModelListParamsSchema,
  type ConfigLayer,
  type ConfigReadResponse,
  type InitializeResponse,
} from "../protocol/index.js";
import { SPOOL_VERSION } from "../telemetry/index.js";
import { JsonRpcError } from "../rpc/index.js";
import { defineMethod, type MethodDescriptor } from "./methods.js";
import { THREAD_METHODS } from "./thread-methods.js";
import { TURN_METHODS } from "./turn-methods.js";

function platformOs(): string {
  const p = platform();
  return p === "darwin" ? "macos" : p === "win32" ? "windows" : p;
}

const initialize = defineMethod({
  method: "initialize",
  params: InitializeParamsSchema,
  handle(params, { session, services }): InitializeResponse {
    session.initialize(params);
    const client = `${params.clientInfo.name}/${params.clientInfo.version}`;
    return {
      userAgent: `spool/${SPOOL_VERSION} (${type()} ${release()}; ${arch()}) ${client}`,
      codexHome: services.config.home,
      platformFamily: platform() === "win32" ? "windows" : "unix",
      platformOs: platformOs(),
    };
  },
});

const modelList = defineMethod({
  method: "model/list",
  params: ModelListParamsSchema,
  handle(params, { services }) {
    const provider = params.modelProvider;
    if (provider && !services.providers.has(provider)) {
      throw JsonRpcError.invalidParams(
        `Invalid params: modelProvider: unknown provider ${JSON.stringify(provider)}`,
      );
    }
    return services.catalog.list(params);
  },
});

const configRead = defineMethod({
  method: "config/read",
  params: ConfigReadParamsSchema,
  handle(params, { services }): ConfigReadResponse {
    const loaded = services.config;
    const config: Record<string, unknown> = {
      model:
        loaded.config.model ??
        services.catalog.list({ includeHidden: true }).data.find((m) => m.isDefault)?.id,
      model_provider: services.modelProvider.id,
      ...loaded.raw,
    };
    const layers: ConfigLayer[] | null = params.includeLayers
      ? [...loaded.layers].reverse().map((l) => ({ name: l.source, version: l.version, config: l.table }))
      : null;
    return { config, origins: loaded.origins, layers };
  },
});

/** The v2 surface this server answers; the table is the documentation of it. */
export const METHODS: ReadonlyMap<string, MethodDescriptor> = new Map(
  [initialize, modelList, configRead, ...THREAD_METHODS, ...TURN_METHODS].map((d) => [d.method, d]),
);
