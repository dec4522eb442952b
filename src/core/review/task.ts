import { execFile } from "node:child_process";
import type { ResponseInputItem } from "../../model-client/index.js";
import type { ReviewTarget, ThreadItem } from "../../protocol/index.js";
import { withSpan } from "../../telemetry/index.js";
import { approxItemTokens } from "../compaction/index.js";
import { newItemId } from "../ids.js";
import { initialContextItems, userMessageItem } from "../prompt.js";
import { runTurn } from "../sampling.js";
import type { SessionTask, TaskOutcome, TurnContext } from "../tasks/task.js";
import { parseReviewOutput, renderReviewOutput, reviewResults, type ReviewOutput } from "./output.js";
import {
  REVIEW_EXIT_INTERRUPTED,
  REVIEW_INTERRUPTED_MESSAGE,
  reviewExitSuccess,
  reviewPrompt,
} from "./prompts.js";
import { REVIEW_PROMPT } from "./review-prompt.js";

const FALLBACK_REVIEW = "Reviewer failed to output a response.";

/** `git merge-base HEAD <branch>` in `cwd`, or undefined when git cannot tell (5 s at most). */
function mergeBase(cwd: string, branch: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("git", ["merge-base", "HEAD", branch], { cwd, timeout: 5000 }, (err, stdout) => {
      const sha = String(stdout ?? "").trim();
      resolve(err || !/^[0-9a-f]{7,64}$/.test(sha) ? undefined : sha);
    });
  });
}

/**
 * The reviewer's turn context: Codex runs a review as a one-shot sub-agent whose base
 * instructions are the review guidelines and whose history is only the review request, so the
 * thread's own history is neither sent nor changed. Its tool items reach the client; its agent
 * messages do not (the review's structured answer is shown as `exitedReviewMode` instead).
 */
function reviewerContext(
  ctx: TurnContext,
  prompt: string,
): { ctx: TurnContext; lastText(): string | undefined } {
  const settings = { ...ctx.settings, baseInstructions: REVIEW_PROMPT, developerInstructions: null };
  const history: ResponseInputItem[] = [
    ...initialContextItems(settings),
    userMessageItem([{ type: "text", text: prompt, text_elements: [] }]),
  ];
  let lastText: string | undefined;
  const isAgentMessage = (i: ThreadItem) => i.type === "agentMessage";
  const reviewer: TurnContext = {
    ...ctx,
    settings,
    emit: (e) => {
      if (e.type === "agent_message_delta") return;
      if ((e.type === "item_started" || e.type === "item_completed") && isAgentMessage(e.item)) return;
      ctx.emit(e);
    },
    history: () => history,
    appendHistory: (items) => void history.push(...items),
    replaceHistory: (items) => void history.splice(0, history.length, ...items),
    contextTokens: () => approxItemTokens(history),
    completeItem: (item) => {
      if (item.type === "agentMessage") lastText = (item as { text: string }).text;
      else ctx.completeItem(item);
    },
    takeSteeredInput: () => [],
    hasSteeredInput: () => false,
  };
  return { ctx: reviewer, lastText: () => lastText };
}

/** The `review/start` turn (Codex `tasks/review`): enter review mode, run the reviewer, exit. */
export class ReviewTask implements SessionTask {
  readonly spanName = "session_task.review";

  constructor(private readonly target: ReviewTarget) {}

  async run(ctx: TurnContext, signal: AbortSignal): Promise<TaskOutcome> {
    const sha =
      this.target.type === "baseBranch"
        ? await withSpan("review.resolve_merge_base", {}, () =>
            mergeBase(ctx.settings.cwd, (this.target as { branch: string }).branch),
          )
        : undefined;
    const { prompt, hint } = reviewPrompt(this.target, sha);
    emitWhole(ctx, { type: "enteredReviewMode", id: newItemId("review"), review: hint });
    const reviewer = reviewerContext(ctx, prompt);
    const outcome = await withSpan(
      "review.run_reviewer",
      { "conversation.id": ctx.threadId, "turn.id": ctx.turnId, "codex.review.target": this.target.type },
      () => runTurn(reviewer.ctx, signal),
    );
    const text = reviewer.lastText();
    exitReviewMode(
      ctx,
      outcome.status === "completed" && text !== undefined ? parseReviewOutput(text) : undefined,
    );
    return outcome;
  }
}

/** Emits an item that starts and completes at once, and keeps it in the turn. */
function emitWhole(ctx: TurnContext, item: ThreadItem): void {
  const now = Date.now();
  ctx.emit({
    type: "item_started",
    turnId: ctx.turnId,
    item: { ...item, startedAtMs: now, completedAtMs: null },
    atMs: now,
  });
  const done = { ...item, startedAtMs: now, completedAtMs: now } as ThreadItem;
  ctx.completeItem(done);
  ctx.emit({ type: "item_completed", turnId: ctx.turnId, item: done, atMs: now });
}

/**
 * Codex's `exit_review_mode`: the thread keeps a user message with the results (or the
 * interrupted notice), the client gets `exitedReviewMode`, then the review as an agent message.
 */
function exitReviewMode(ctx: TurnContext, output: ReviewOutput | undefined): void {
  const rendered = output ? renderReviewOutput(output) : undefined;
  const user: ResponseInputItem = {
    type: "message",
    id: newItemId("msg"),
    role: "user",
    content: [
      {
        type: "input_text",
        text: output ? reviewExitSuccess(reviewResults(output)) : REVIEW_EXIT_INTERRUPTED,
      },
    ],
  };
  ctx.appendHistory([user]);
  emitWhole(ctx, { type: "exitedReviewMode", id: newItemId("review"), review: rendered ?? FALLBACK_REVIEW });
  const text = rendered ?? REVIEW_INTERRUPTED_MESSAGE;
  const id = newItemId("msg");
  ctx.appendHistory([{ type: "message", id, role: "assistant", content: [{ type: "output_text", text }] }]);
  emitWhole(ctx, { type: "agentMessage", id, text, phase: null });
}
