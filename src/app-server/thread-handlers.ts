import type { CoreThread } from "../core/index.js";
import type { ThreadSessionResponse, ThreadUnsubscribeStatus } from "../protocol/index.js";
import { JsonRpcError, implement } from "../rpc/index.js";
import { withSpan } from "../telemetry/index.js";
import { coreCall } from "./core-errors.js";
import {
  threadFork,
  threadList,
  threadNameSet,
  threadRead,
  threadResume,
  threadStart,
  threadUnsubscribe,
  type HandlerContext,
} from "./methods.js";

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

/** Sends `thread/started` once the response is on its way, in the order Codex sends them. */
function notifyStarted(thread: CoreThread, ctx: HandlerContext): void {
  setImmediate(() =>
    withSpan("app_server.thread_start.notify_started", { "thread.id": thread.id }, () => {
      ctx.session.notify("thread/started", { thread: thread.snapshot(false) });
    }),
  );
}

const handleThreadStart = implement(threadStart, (params, ctx: HandlerContext) => {
  const { services, session } = ctx;
  const thread = coreCall(() =>
    services.core.startThread(params, { originator: session.clientName ?? null }),
  );
  services.subscriptions.subscribe(thread, session);
  notifyStarted(thread, ctx);
  return sessionResponse(thread, false);
});

const handleThreadResume = implement(threadResume, (params, { services, session }: HandlerContext) => {
  const thread = coreCall(() => services.core.resumeThread(params));
  services.subscriptions.subscribe(thread, session);
  const response = sessionResponse(thread, !params.excludeTurns);
  setImmediate(() =>
    session.notify("thread/status/changed", { threadId: thread.id, status: thread.status() }),
  );
  return response;
});

const handleThreadFork = implement(threadFork, (params, ctx: HandlerContext) => {
  const { services, session } = ctx;
  const thread = coreCall(() => services.core.forkThread(params, { originator: session.clientName ?? null }));
  services.subscriptions.subscribe(thread, session);
  notifyStarted(thread, ctx);
  return sessionResponse(thread, !params.excludeTurns);
});

const handleThreadList = implement(threadList, (params, { services }: HandlerContext) =>
  coreCall(() => services.core.listThreads(params)),
);

const handleThreadRead = implement(threadRead, (params, { services }: HandlerContext) => ({
  thread: coreCall(() => services.core.readThread(params.threadId, params.includeTurns ?? false)),
}));

const handleThreadUnsubscribe = implement(
  threadUnsubscribe,
  (params, { services, session }: HandlerContext): { status: ThreadUnsubscribeStatus } => {
    if (!services.core.get(params.threadId)) return { status: "notLoaded" };
    return {
      status: services.subscriptions.unsubscribe(params.threadId, session) ? "unsubscribed" : "notSubscribed",
    };
  },
);

// The name is trimmed, as Codex does; the TUI sets the title its own title turn produced.
const handleThreadNameSet = implement(threadNameSet, (params, { services }: HandlerContext) => {
  const name = params.name.trim();
  if (name === "") throw JsonRpcError.invalidRequest("thread name must not be empty");
  const thread = coreCall(() => services.core.require(params.threadId));
  coreCall(() => thread.setName(name));
  services.subscriptions.notifySubscribers(thread.id, "thread/name/updated", {
    threadId: thread.id,
    threadName: name,
  });
  return {};
});

export const THREAD_HANDLERS = [
  handleThreadNameSet,
  handleThreadStart,
  handleThreadResume,
  handleThreadFork,
  handleThreadList,
  handleThreadRead,
  handleThreadUnsubscribe,
];
