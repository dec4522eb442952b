import { implement } from "../rpc/index.js";
import { coreCall } from "./core-errors.js";
import { reviewStart, threadCompactStart, type HandlerContext } from "./methods.js";

// The turns a client starts without input: a review and a manual compaction.

const handleReviewStart = implement(reviewStart, (params, { services, request }: HandlerContext) => {
  const thread = coreCall(() => services.core.require(params.threadId));
  const turn = coreCall(() => thread.startTaskTurn({ type: "review", target: params.target }));
  request.recordTurnId(turn.id);
  // Inline delivery (the only one the schema has): the review runs on the thread it names.
  return { turn, reviewThreadId: thread.id };
});

const handleThreadCompactStart = implement(threadCompactStart, (params, { services }: HandlerContext) => {
  const thread = coreCall(() => services.core.require(params.threadId));
  coreCall(() => thread.startTaskTurn({ type: "compact" }));
  return {};
});

export const TASK_HANDLERS = [handleReviewStart, handleThreadCompactStart];
