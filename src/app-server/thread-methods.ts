import type { CoreThread } from "../core/index.js";
import {
  ThreadForkParamsSchema,
  ThreadListParamsSchema,
  ThreadReadParamsSchema,
  ThreadResumeParamsSchema,
  ThreadStartParamsSchema,
  ThreadUnsubscribeParamsSchema,
  type ThreadListResponse,
  type ThreadSessionResponse,
  type ThreadUnsubscribeStatus,
} from "../protocol/index.js";
import { withSpan } from "../telemetry/index.js";
import { coreCall } from "./core-errors.js";
import { defineMethod, type HandlerContext } from "./methods.js";

function sessionResponse(thread: CoreThread, includeTurns: boolean): ThreadSessionResponse {
  const s = thread.settings;
  return {
    thread: thread.snapshot(includeTurns),
    model: s.model,
    modelProvider: s.modelProvider,
    serviceTier: s.serviceTier,
    cwd: s.cwd,
    approvalPolicy: s.approvalPolicy,
    approvalsReviewer: s.approvalsReviewer,
    sandbox: s.sandbox,
    reasoningEffort: s.reasoningEffort,
    instructionSources: [],
    disabledPluginIds: [],
  };
}

/** Sends `thread/started` to the requesting connection once the response is on its way, as Codex orders them. */
function notifyStarted(thread: CoreThread, ctx: HandlerContext): void {
  setImmediate(() =>
    withSpan("app_server.thread_start.notify_started", { "thread.id": thread.id }, () => {
      ctx.session.notify("thread/started", { thread: thread.snapshot(false) });
    }),
  );
}

const threadStart = defineMethod({
  method: "thread/start",
  params: ThreadStartParamsSchema,
  handle(params, ctx): ThreadSessionResponse {
    const { services, session } = ctx;
    const thread = coreCall(() =>
      services.core.startThread(params, { originator: session.clientName ?? null }),
    );
    services.subscriptions.subscribe(thread, session);
    notifyStarted(thread, ctx);
    return sessionResponse(thread, false);
  },
});

const threadResume = defineMethod({
  method: "thread/resume",
  params: ThreadResumeParamsSchema,
  handle(params, ctx): ThreadSessionResponse {
    const { services, session } = ctx;
    const thread = coreCall(() => services.core.resumeThread(params));
    services.subscriptions.subscribe(thread, session);
    const response = sessionResponse(thread, !params.excludeTurns);
    setImmediate(() =>
      session.notify("thread/status/changed", { threadId: thread.id, status: thread.status() }),
    );
    return response;
  },
});

const threadFork = defineMethod({
  method: "thread/fork",
  params: ThreadForkParamsSchema,
  handle(params, ctx): ThreadSessionResponse {
    const { services, session } = ctx;
    const thread = coreCall(() =>
      services.core.forkThread(params, { originator: session.clientName ?? null }),
    );
    services.subscriptions.subscribe(thread, session);
    notifyStarted(thread, ctx);
    return sessionResponse(thread, !params.excludeTurns);
  },
});

const threadList = defineMethod({
  method: "thread/list",
  params: ThreadListParamsSchema,
  handle(params, { services }): ThreadListResponse {
    return coreCall(() => services.core.listThreads(params));
  },
});

const threadRead = defineMethod({
  method: "thread/read",
  params: ThreadReadParamsSchema,
  handle(params, { services }) {
    return {
      thread: coreCall(() => services.core.readThread(params.threadId, params.includeTurns ?? false)),
    };
  },
});

const threadUnsubscribe = defineMethod({
  method: "thread/unsubscribe",
  params: ThreadUnsubscribeParamsSchema,
  handle(params, { services, session }): { status: ThreadUnsubscribeStatus } {
    if (!services.core.get(params.threadId)) return { status: "notLoaded" };
    return {
      status: services.subscriptions.unsubscribe(params.threadId, session) ? "unsubscribed" : "notSubscribed",
    };
  },
});

export const THREAD_METHODS = [
  threadStart,
  threadResume,
  threadFork,
  threadList,
  threadRead,
  threadUnsubscribe,
];
