import type { z } from "zod";
import type { LoadedConfig, ModelProvider } from "../config/index.js";
import type { ThreadManager } from "../core/index.js";
import type { RequestContext } from "../rpc/index.js";
import type { ModelCatalog } from "./model-catalog.js";
import type { ConnectionSession } from "./session.js";
import type { ThreadSubscriptions } from "./subscriptions.js";

/** Process-wide things handlers read. */
export interface AppServerServices {
  config: LoadedConfig;
  catalog: ModelCatalog;
  /** Every configured provider (plus the built-in `openai`), by id. */
  providers: ReadonlyMap<string, ModelProvider>;
  /** The provider `model_provider` selects. */
  modelProvider: ModelProvider;
  /** Threads and turns. */
  core: ThreadManager;
  /** Which connection hears which thread. */
  subscriptions: ThreadSubscriptions;
}

export interface HandlerContext {
  /** Notifications go through the session, which honours the client's opt-outs. */
  session: ConnectionSession;
  services: AppServerServices;
  /** The request's context without its raw connection, so no handler can bypass the session. */
  request: Omit<RequestContext, "connection">;
}

/** A v2 method: its name, the schema its params must satisfy, and its handler. */
export interface MethodDescriptor<P = unknown> {
  method: string;
  params: z.ZodType<P>;
  handle(params: P, ctx: HandlerContext): unknown;
}

/** Keeps each descriptor's params type tied to its handler when collected into one table. */
export function defineMethod<P>(descriptor: MethodDescriptor<P>): MethodDescriptor {
  return descriptor as unknown as MethodDescriptor;
}
