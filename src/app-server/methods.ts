import {
  ThreadForkParamsSchema,
  ThreadListParamsSchema,
  ThreadListResponseSchema,
  ThreadReadParamsSchema,
  ThreadReadResponseSchema,
  ThreadResumeParamsSchema,
  ThreadSessionResponseSchema,
  ThreadStartParamsSchema,
  ThreadUnsubscribeParamsSchema,
  ThreadUnsubscribeResponseSchema,
  TurnInterruptParamsSchema,
  TurnInterruptResponseSchema,
  TurnStartParamsSchema,
  TurnStartResponseSchema,
  TurnSteerParamsSchema,
  TurnSteerResponseSchema,
  ConfigReadParamsSchema,
  ConfigReadResponseSchema,
  InitializeParamsSchema,
  InitializeResponseSchema,
  ModelListParamsSchema,
  ModelListResponseSchema,
  ReviewStartParamsSchema,
  ReviewStartResponseSchema,
  ThreadCompactStartParamsSchema,
  ThreadCompactStartResponseSchema,
  ThreadSetNameParamsSchema,
  ThreadSetNameResponseSchema,
  ThreadShellCommandParamsSchema,
  ThreadShellCommandResponseSchema,
} from "../protocol/index.js";
import type { LoadedConfig, ModelProvider } from "../config/index.js";
import type { ThreadManager } from "../core/index.js";
import { defineMethod, type RequestContext } from "../rpc/index.js";
import type { ModelCatalog } from "./model-catalog.js";
import type { ConnectionSession } from "./session.js";
import type { ThreadSubscriptions } from "./subscriptions.js";
import type { ThreadReadStates } from "./read-states.js";

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

export const threadStart = defineMethod({
  method: "thread/start",
  params: ThreadStartParamsSchema,
  result: ThreadSessionResponseSchema,
});

export const threadResume = defineMethod({
  method: "thread/resume",
  params: ThreadResumeParamsSchema,
  result: ThreadSessionResponseSchema,
});

export const threadFork = defineMethod({
  method: "thread/fork",
  params: ThreadForkParamsSchema,
  result: ThreadSessionResponseSchema,
});

export const threadList = defineMethod({
  method: "thread/list",
  params: ThreadListParamsSchema,
  result: ThreadListResponseSchema,
});

export const threadRead = defineMethod({
  method: "thread/read",
  params: ThreadReadParamsSchema,
  result: ThreadReadResponseSchema,
});

export const threadUnsubscribe = defineMethod({
  method: "thread/unsubscribe",
  params: ThreadUnsubscribeParamsSchema,
  result: ThreadUnsubscribeResponseSchema,
});

export const threadShellCommand = defineMethod({
  method: "thread/shellCommand",
  params: ThreadShellCommandParamsSchema,
  result: ThreadShellCommandResponseSchema,
});

export const threadNameSet = defineMethod({
  method: "thread/name/set",
  params: ThreadSetNameParamsSchema,
  result: ThreadSetNameResponseSchema,
});

export const turnStart = defineMethod({
  method: "turn/start",
  params: TurnStartParamsSchema,
  result: TurnStartResponseSchema,
});

export const turnSteer = defineMethod({
  method: "turn/steer",
  params: TurnSteerParamsSchema,
  result: TurnSteerResponseSchema,
});

export const turnInterrupt = defineMethod({
  method: "turn/interrupt",
  params: TurnInterruptParamsSchema,
  result: TurnInterruptResponseSchema,
});

export const reviewStart = defineMethod({
  method: "review/start",
  params: ReviewStartParamsSchema,
  result: ReviewStartResponseSchema,
});

export const threadCompactStart = defineMethod({
  method: "thread/compact/start",
  params: ThreadCompactStartParamsSchema,
  result: ThreadCompactStartResponseSchema,
});

/** Process-wide things handlers read, built by the composition root (`cli/compose.ts`). */
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
  /** Each durable thread's read state (`thread/readState/*`). */
  readStates: ThreadReadStates;
}

/** What every v2 handler receives besides its params. */
export interface HandlerContext {
  /** Notifications go through the session, which honours the client's opt-outs. */
  session: ConnectionSession;
  services: AppServerServices;
  /** The request's context without its raw connection, so no handler can bypass the session. */
  request: Omit<RequestContext, "connection">;
}
