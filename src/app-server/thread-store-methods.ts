import {
  ThreadArchiveParamsSchema,
  ThreadArchiveResponseSchema,
  ThreadDeleteParamsSchema,
  ThreadDeleteResponseSchema,
  ThreadSearchParamsSchema,
  ThreadSearchResponseSchema,
  ThreadUnarchiveParamsSchema,
  ThreadUnarchiveResponseSchema,
} from "../protocol/index.js";
import { defineMethod } from "../rpc/index.js";

// The stored threads as a whole: archiving, unarchiving, deleting and searching them
// (descriptors; handlers in thread-store-handlers.ts).

export const threadArchive = defineMethod({
  method: "thread/archive",
  params: ThreadArchiveParamsSchema,
  result: ThreadArchiveResponseSchema,
});

export const threadUnarchive = defineMethod({
  method: "thread/unarchive",
  params: ThreadUnarchiveParamsSchema,
  result: ThreadUnarchiveResponseSchema,
});

export const threadDelete = defineMethod({
  method: "thread/delete",
  params: ThreadDeleteParamsSchema,
  result: ThreadDeleteResponseSchema,
});

export const threadSearch = defineMethod({
  method: "thread/search",
  params: ThreadSearchParamsSchema,
  result: ThreadSearchResponseSchema,
});
