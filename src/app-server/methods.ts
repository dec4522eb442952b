import {
  ConfigReadParamsSchema,
  ConfigReadResponseSchema,
  InitializeParamsSchema,
  InitializeResponseSchema,
  ModelListParamsSchema,
  ModelListResponseSchema,
} from "../protocol/index.js";
import type { LoadedConfig, ModelProvider } from "../config/index.js";
import { defineMethod, type RequestContext } from "../rpc/index.js";
import type { ModelCatalog } from "./model-catalog.js";
import type { ConnectionSession } from "./session.js";

// The v2 methods this server answers, as descriptors: the one place a method is declared.
// Handlers bind to them in handlers.ts.

export const initialize = defineMethod({
  method: "initialize",
  params: InitializeParamsSchema,
  result: InitializeResponseSchema,
});

export const modelList = defineMethod({
  method: "model/list",
  params: ModelListParamsSchema,
  result: ModelListResponseSchema,
});

export const configRead = defineMethod({
  method: "config/read",
  params: ConfigReadParamsSchema,
  result: ConfigReadResponseSchema,
});

/** Process-wide things handlers read, built by the composition root (`cli/compose.ts`). */
export interface AppServerServices {
  config: LoadedConfig;
  catalog: ModelCatalog;
  /** Every configured provider (plus the built-in `openai`), by id. */
  providers: ReadonlyMap<string, ModelProvider>;
  /** The provider `model_provider` selects. */
  modelProvider: ModelProvider;
}

/** What every v2 handler receives besides its params. */
export interface HandlerContext {
  /** Notifications go through the session, which honours the client's opt-outs. */
  session: ConnectionSession;
  services: AppServerServices;
  /** The request's context without its raw connection, so no handler can bypass the session. */
  request: Omit<RequestContext, "connection">;
}
