import { implement } from "../rpc/index.js";
import { coreCall } from "./core-errors.js";
import { threadArchive, threadDelete, threadUnarchive } from "./archive-methods.js";
import type { HandlerContext } from "./methods.js";

/** After the answer, as Codex orders them: every connection hears of it, subscribed or not. */
function tellEveryone(ctx: HandlerContext, method: string, threadId: string): void {
  setImmediate(() => ctx.services.subscriptions.notifyAll(method, { threadId }));
}

const handleThreadArchive = implement(threadArchive, async (params, ctx: HandlerContext) => {
  await coreCall(() => ctx.services.core.archiveThread(params.threadId));
  tellEveryone(ctx, "thread/archived", params.threadId);
  return {};
});

const handleThreadUnarchive = implement(threadUnarchive, (params, ctx: HandlerContext) => {
  const thread = coreCall(() => ctx.services.core.unarchiveThread(params.threadId));
  tellEveryone(ctx, "thread/unarchived", params.threadId);
  return { thread };
});

const handleThreadDelete = implement(threadDelete, async (params, ctx: HandlerContext) => {
  await coreCall(() => ctx.services.core.deleteThread(params.threadId));
  tellEveryone(ctx, "thread/deleted", params.threadId);
  return {};
});

export const ARCHIVE_HANDLERS = [handleThreadArchive, handleThreadUnarchive, handleThreadDelete];
