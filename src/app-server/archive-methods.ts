import {
  ThreadArchiveParamsSchema,
  ThreadArchiveResponseSchema,
  ThreadDeleteParamsSchema,
  ThreadDeleteResponseSchema,
  ThreadUnarchiveParamsSchema,
  ThreadUnarchiveResponseSchema,
} from "../protocol/index.js";
import { defineMethod } from "../rpc/index.js";

// Moving threads out of and back into the list, and deleting them (descriptors; handlers in
// archive-handlers.ts).

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
