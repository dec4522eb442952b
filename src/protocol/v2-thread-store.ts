import { z } from "zod";
import { ThreadListParamsSchema, ThreadSchema } from "./v2-thread.js";

// `thread/archive`, `thread/unarchive`, `thread/delete` (codex-schema: ThreadArchiveParams …), and
// `thread/search`.
const ThreadIdParams = z.object({ threadId: z.string() }).loose();

export const ThreadArchiveParamsSchema = ThreadIdParams;
export type ThreadArchiveParams = z.infer<typeof ThreadArchiveParamsSchema>;
export const ThreadArchiveResponseSchema = z.object({});

export const ThreadUnarchiveParamsSchema = ThreadIdParams;
export type ThreadUnarchiveParams = z.infer<typeof ThreadUnarchiveParamsSchema>;
export const ThreadUnarchiveResponseSchema = z.object({ thread: ThreadSchema });

export const ThreadDeleteParamsSchema = ThreadIdParams;
export type ThreadDeleteParams = z.infer<typeof ThreadDeleteParamsSchema>;
export const ThreadDeleteResponseSchema = z.object({});

/** Sent to every connection, as Codex does: lists held by any client go stale. */
export const THREAD_ARCHIVE_NOTIFICATIONS = {
  "thread/archived": z.object({ threadId: z.string() }),
  "thread/unarchived": z.object({ threadId: z.string() }),
  "thread/deleted": z.object({ threadId: z.string() }),
} as const;

/**
 * `thread/search` (codex-schema-experimental: ThreadSearchParams), what the TUI's `@` mentions
 * ask for as the user types: `thread/list`'s filters with a required `searchTerm`.
 */
export const ThreadSearchParamsSchema = ThreadListParamsSchema.extend({ searchTerm: z.string() });
export type ThreadSearchParams = z.infer<typeof ThreadSearchParamsSchema>;
export const ThreadSearchResponseSchema = z.object({
  data: z.array(z.object({ snippet: z.string(), thread: ThreadSchema })),
  nextCursor: z.string().nullable(),
  backwardsCursor: z.string().nullable(),
});
