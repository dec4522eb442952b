import { implement } from "../rpc/index.js";
import { coreCall } from "./core-errors.js";
import { threadArchive, threadDelete, threadSearch, threadUnarchive } from "./thread-store-methods.js";
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

/** Characters of context kept on each side of the match in a search result's snippet. */
const SNIPPET_CONTEXT = 40;

/** The preview around the first case-insensitive match (the index searches previews). */
function snippetOf(preview: string, term: string): string {
  const at = preview.toLowerCase().indexOf(term.toLowerCase());
  if (at < 0) return preview.slice(0, 2 * SNIPPET_CONTEXT);
  return preview.slice(Math.max(0, at - SNIPPET_CONTEXT), at + term.length + SNIPPET_CONTEXT);
}

// Codex searches whole histories; Spool's index holds each thread's preview (its first user
// message), so that is what is searched, with `thread/list`'s filters and paging.
const handleThreadSearch = implement(threadSearch, (params, { services }: HandlerContext) => {
  const page = coreCall(() => services.core.listThreads(params));
  return {
    ...page,
    data: page.data.map((thread) => ({ snippet: snippetOf(thread.preview, params.searchTerm), thread })),
  };
});

export const THREAD_STORE_HANDLERS = [
  handleThreadArchive,
  handleThreadUnarchive,
  handleThreadDelete,
  handleThreadSearch,
];
