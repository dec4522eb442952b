import type { ModelProvider } from "../../config/index.js";
import type { ResponseInputItem, ResponseItem, StreamOutcome } from "../../model-client/index.js";
import type { ThreadItem } from "../../protocol/index.js";
import { METRIC, logger, withSpan } from "../../telemetry/index.js";
import { newItemId } from "../ids.js";
import { initialContextItems } from "../prompt.js";
import { buildRequest } from "../sampling-request.js";
import { turnErrorOf } from "../turn-error.js";
import type { TaskOutcome, TurnContext } from "../tasks/task.js";
import {
  approxItemTokens,
  collectUserMessages,
  lastAssistantText,
  selectUserMessages,
  summaryMessage,
} from "./history.js";
import { SUMMARIZATION_PROMPT } from "./prompt.js";

const log = logger("spool_core::compact");

/** What asked for the compaction: `thread/compact/start`, or the context passing its limit. */
export type CompactionTrigger = "manual" | "auto";

/** Codex compacts remotely when the provider is OpenAI's (its `name` is `OpenAI`). */
export function usesRemoteCompaction(provider: Pick<ModelProvider, "name">): boolean {
  return provider.name === "OpenAI";
}

type Compacted =
  | { kind: "ok"; replacement: ResponseInputItem[]; summary: string }
  | { kind: "interrupted" }
  | { kind: "failed"; outcome: Extract<TaskOutcome, { status: "failed" }> };

/**
 * Compacts the thread's history inside the current turn: a `contextCompaction` item, one
 * summarizing model request (local: Codex's prompt, the summary kept as a user message; remote:
 * a `compaction_trigger` answered with an opaque `compaction` item), then the replacement
 * history (fresh context, the user's recent messages, the summary) instead of the old one.
 */
export function runCompaction(
  ctx: TurnContext,
  signal: AbortSignal,
  trigger: CompactionTrigger,
): Promise<TaskOutcome> {
  const remote = usesRemoteCompaction(ctx.client.provider);
  const type = remote ? "remote" : "local";
  return withSpan(
    remote ? "run_remote_compact_task" : "run_compact_task",
    {
      "conversation.id": ctx.threadId,
      "turn.id": ctx.turnId,
      "codex.compaction.type": type,
      "codex.compaction.trigger": trigger,
    },
    async (span): Promise<TaskOutcome> => {
      // The compaction's own response replaces the one a reused WebSocket holds for the chain.
      ctx.setChain(undefined);
      const startedAtMs = Date.now();
      const item: ThreadItem = {
        type: "contextCompaction",
        id: newItemId("cmp"),
        startedAtMs,
        completedAtMs: null,
      };
      ctx.emit({ type: "item_started", turnId: ctx.turnId, item, atMs: startedAtMs });
      const input = [...ctx.history()];
      const tokensBefore = ctx.contextTokens();
      span.setAttributes({
        "codex.compaction.input_items": input.length,
        "codex.compaction.tokens_before": tokensBefore,
      });
      const r = remote ? await compactRemotely(ctx, signal, input) : await compactLocally(ctx, signal, input);
      if (r.kind === "interrupted") return { status: "interrupted" };
      if (r.kind === "failed") {
        span.setStatus({ code: 2 });
        span.setAttribute("error.type", r.outcome.errorType);
        ctx.emit({ type: "error", turnId: ctx.turnId, error: r.outcome.error, willRetry: false });
        return r.outcome;
      }
      ctx.replaceHistory(r.replacement, r.summary);
      span.setAttributes({
        "codex.compaction.replacement_items": r.replacement.length,
        "codex.compaction.tokens_after": approxItemTokens(r.replacement),
      });
      const completedAtMs = Date.now();
      const done: ThreadItem = { ...item, completedAtMs };
      ctx.completeItem(done);
      ctx.emit({ type: "item_completed", turnId: ctx.turnId, item: done, atMs: completedAtMs });
      ctx.emit({ type: "context_compacted", turnId: ctx.turnId });
      ctx.telemetry.counter(METRIC.TASK_COMPACT, 1, { type, manual: String(trigger === "manual") });
      return { status: "completed" };
    },
  );
}

/** The replacement both kinds share: fresh context, the user's recent words, then `summary`. */
function replacementOf(ctx: TurnContext, input: readonly ResponseInputItem[], summary: ResponseInputItem[]) {
  return [
    ...initialContextItems(ctx.settings),
    ...selectUserMessages(collectUserMessages(input)),
    ...summary,
  ];
}

function failedOf(o: Extract<StreamOutcome, { status: "failed" | "dropped" }>): Compacted {
  return {
    kind: "failed",
    outcome: { status: "failed", error: turnErrorOf(o.error, o.status), errorType: o.error.name },
  };
}

/**
 * Codex 0.169 with a non-OpenAI provider: the history plus the summarization prompt, streamed
 * without tools. The summary the model returns joins history (accepted in the rollout) before
 * the replacement; the request itself is not an `inference_*` in the bundle, as in Codex.
 * When even that request is too long, the oldest item is dropped and the request retried.
 */
async function compactLocally(
  ctx: TurnContext,
  signal: AbortSignal,
  input: ResponseInputItem[],
): Promise<Compacted> {
  const prompt: ResponseInputItem = {
    type: "message",
    role: "user",
    content: [{ type: "input_text", text: SUMMARIZATION_PROMPT }],
  };
  let history = input;
  for (;;) {
    const request = { ...buildRequest(ctx, [...history, prompt]), tools: [], parallelToolCalls: false };
    const outcome = await ctx.client.stream(request, { signal }).outcome;
    if (signal.aborted || outcome.status === "cancelled") return { kind: "interrupted" };
    if (outcome.status === "completed") {
      ctx.appendHistory(outcome.output as ResponseInputItem[]);
      if (outcome.usage) ctx.recordUsage(outcome.usage);
      const summary = lastAssistantText(outcome.output as ResponseInputItem[]) ?? "";
      return { kind: "ok", replacement: replacementOf(ctx, input, [summaryMessage(summary)]), summary };
    }
    const tooLong = turnErrorOf(outcome.error, outcome.status).codexErrorInfo === "contextWindowExceeded";
    if (!tooLong || history.length <= 1) return failedOf(outcome);
    log.warn("compaction request exceeded the context window; dropping the oldest history item", {
      "thread.id": ctx.threadId,
      "turn.id": ctx.turnId,
      items: history.length,
    });
    history = history.slice(1);
  }
}

/**
 * Codex 0.169 with OpenAI's provider: the turn's own request with `{"type":"compaction_trigger"}`
 * appended, answered with one `compaction` item that later requests carry in their input.
 * Recorded as a compaction request and its installation (no `inference_*` events).
 */
async function compactRemotely(
  ctx: TurnContext,
  signal: AbortSignal,
  input: ResponseInputItem[],
): Promise<Compacted> {
  const compaction = ctx.rollout.startCompaction();
  const request = buildRequest(ctx, [...input, { type: "compaction_trigger" }]);
  const stream = ctx.client.stream(request, { signal });
  const recorder = compaction.startRequest({
    model: request.model,
    providerName: ctx.client.provider.name,
    request: () => stream.requestBody ?? request,
  });
  const outcome = await stream.outcome;
  if (outcome.status !== "completed") {
    recorder.failed(outcome.status === "cancelled" || signal.aborted ? "interrupted" : outcome.error.message);
    if (signal.aborted || outcome.status === "cancelled") return { kind: "interrupted" };
    return failedOf(outcome);
  }
  recorder.completed(() => ({ output_items: outcome.output, token_usage: outcome.usage }));
  if (outcome.usage) ctx.recordUsage(outcome.usage);
  const items = outcome.output.filter((i: ResponseItem) => i.type === "compaction") as ResponseInputItem[];
  if (items.length === 0) {
    return {
      kind: "failed",
      outcome: {
        status: "failed",
        error: {
          message: "remote compaction returned no compaction item",
          codexErrorInfo: "other",
          additionalDetails: null,
        },
        errorType: "RemoteCompactionError",
      },
    };
  }
  const replacement = replacementOf(ctx, input, items);
  compaction.installed(() => ({ input_history: input, replacement_history: replacement }));
  return { kind: "ok", replacement, summary: "" };
}
