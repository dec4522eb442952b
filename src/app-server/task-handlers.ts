import { JsonRpcError, implement } from "../rpc/index.js";
import { coreCall } from "./core-errors.js";
import { reviewStart, threadCompactStart, threadShellCommand, type HandlerContext } from "./methods.js";

// The turns a client starts without input: a review, a manual compaction, a user shell command.

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

// Answered at once, as Codex does; the command's turn and item follow as notifications.
const handleThreadShellCommand = implement(
  threadShellCommand,
  (params, { services, request }: HandlerContext) => {
    if (params.command.trim() === "")
      throw JsonRpcError.invalidParams("Invalid params: command must not be empty");
    const thread = coreCall(() => services.core.require(params.threadId));
    const turnId = coreCall(() =>
      thread.runUserShell({ type: "user_shell", command: params.command, timeoutMs: params.timeoutMs }),
    );
    if (turnId !== undefined) request.recordTurnId(turnId);
    return {};
  },
);

export const TASK_HANDLERS = [handleReviewStart, handleThreadCompactStart, handleThreadShellCommand];
