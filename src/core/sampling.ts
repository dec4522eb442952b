import type {
  ResponseInputItem,
  ResponseStream,
  ResponsesRequest,
  StreamOutcome,
} from "../model-client/index.js";
import type { ThreadItem, TurnError } from "../protocol/index.js";
import type { InferenceRecorder } from "../rollout-trace/index.js";
import { withSpan } from "../telemetry/index.js";
import { autoCompactIfNeeded } from "./compaction/index.js";
import { userMessageItem } from "./prompt.js";
import { ToolCalls, toolCallsOf } from "./response-tool-calls.js";
import { buildRequest } from "./sampling-request.js";
import { StreamItems } from "./stream-items.js";
import type { TaskOutcome, TurnContext } from "./tasks/task.js";
import { turnErrorOf } from "./turn-error.js";

type SampleResult =
  | { kind: "completed"; toolOutputs: ResponseInputItem[] }
  | { kind: "interrupted" }
  | { kind: "failed"; error: TurnError; errorType: string };

/**
 * The sampling loop of one turn (`run_turn`): request the model with the full history, stream
 * its output into items, run the tool calls it makes through the router, and sample again until
 * the model answers without a call. Codex 0.169 over HTTP re-sends the whole history each time
 * (`store: false`, no `previous_response_id`).
 */
export function runTurn(ctx: TurnContext, signal: AbortSignal): Promise<TaskOutcome> {
  return withSpan<Promise<TaskOutcome>>(
    "run_turn",
    { "conversation.id": ctx.threadId, "turn.id": ctx.turnId },
    async () => {
      const early = await autoCompactIfNeeded(ctx, signal);
      if (early) return early;
      for (;;) {
        takeSteered(ctx);
        const request = buildRequest(ctx);
        const result = await withSpan(
          "run_sampling_request",
          { turn_id: ctx.turnId, model: request.model, cwd: ctx.settings.cwd },
          () =>
            withSpan("try_run_sampling_request", { turn_id: ctx.turnId, model: request.model }, () =>
              sample(ctx, request, signal),
            ),
        );
        if (result.kind === "interrupted" || signal.aborted) return { status: "interrupted" };
        if (result.kind === "failed")
          return { status: "failed", error: result.error, errorType: result.errorType };
        // Outputs go back in call order, whatever order the calls finished in.
        ctx.appendHistory(result.toolOutputs);
        if (signal.aborted) return { status: "interrupted" };
        if (result.toolOutputs.length === 0 && !ctx.hasSteeredInput()) return { status: "completed" };
        const compacted = await autoCompactIfNeeded(ctx, signal);
        if (compacted) return compacted;
      }
    },
  );
}

/** Input steered into the turn becomes user messages before the next request. */
function takeSteered(ctx: TurnContext): void {
  for (const inputs of ctx.takeSteeredInput()) {
    const item = userMessageItem(inputs);
    ctx.appendHistory([item]);
    const now = Date.now();
    const threadItem: ThreadItem = {
      type: "userMessage",
      id: item.id,
      content: inputs,
      startedAtMs: now,
      completedAtMs: now,
    };
    ctx.emit({
      type: "item_started",
      turnId: ctx.turnId,
      item: { ...threadItem, completedAtMs: null },
      atMs: now,
    });
    ctx.completeItem(threadItem);
    ctx.emit({ type: "item_completed", turnId: ctx.turnId, item: threadItem, atMs: now });
  }
}

/** Streams one model request, recording each upstream attempt as one rollout inference call. */
async function sample(
  ctx: TurnContext,
  request: ResponsesRequest,
  signal: AbortSignal,
): Promise<SampleResult> {
  // attemptHeaders runs during `stream()` itself, before the stream is assigned.
  const current: { stream?: ResponseStream } = {};
  let inference: InferenceRecorder | undefined;
  const startInference = (): InferenceRecorder =>
    ctx.rollout.startInference({
      model: request.model,
      providerName: ctx.client.provider.name,
      // The stream holds the exact body sent; the thunk runs after it exists.
      request: () => current.stream?.requestBody ?? request,
    });
  const stream = ctx.client.stream(request, {
    signal,
    attemptHeaders: (attempt) => {
      if (attempt > 1 && inference) {
        // The abandoned attempt may not have been seen by the consumer yet.
        inference.failed({
          upstreamRequestId: current.stream?.upstreamRequestId ?? null,
          error: "attempt abandoned; retrying",
        });
      }
      inference = startInference();
      return { "x-codex-inference-call-id": inference.inferenceCallId };
    },
  });
  current.stream = stream;
  const items = new StreamItems(ctx);
  const tools = new ToolCalls(ctx, signal);
  await withSpan("handle_responses", {}, async (span) => {
    for await (const event of stream) {
      if (event.type === "response.output_item.done") {
        // Codex starts a call as soon as its item is done, while the response still streams.
        const [call] = toolCallsOf([event.item]);
        if (call) withSpan("handle_output_item_done", {}, () => tools.start(call));
      }
      if (event.type === "spool.retry") {
        inference?.failed({
          upstreamRequestId: event.abandonedUpstreamRequestId,
          error: `retrying: ${event.reason}`,
        });
        ctx.emit({
          type: "error",
          turnId: ctx.turnId,
          error: {
            message: `Reconnecting... ${event.attempt - 1}/${maxRetries(ctx)} (${event.reason})`,
            codexErrorInfo: null,
            additionalDetails: null,
          },
          willRetry: true,
        });
        continue;
      }
      items.handle(event);
    }
    const outcome = await stream.outcome;
    if (outcome.status === "completed" && outcome.usage) {
      span.setAttributes({
        "gen_ai.usage.input_tokens": outcome.usage.inputTokens,
        "gen_ai.usage.cache_read.input_tokens": outcome.usage.cachedInputTokens,
        "gen_ai.usage.output_tokens": outcome.usage.outputTokens,
        "codex.usage.reasoning_output_tokens": outcome.usage.reasoningOutputTokens,
        "codex.usage.total_tokens": outcome.usage.totalTokens,
      });
    }
  });
  const outcome = await stream.outcome;
  recordTerminal(inference, outcome, signal);
  if (outcome.status !== "completed") await tools.abandon();
  switch (outcome.status) {
    case "completed": {
      ctx.appendHistory(outcome.output as ResponseInputItem[]);
      ctx.setChain(
        outcome.transport === "responses_websocket"
          ? { responseId: outcome.responseId, covered: 1 + ctx.history().length }
          : undefined,
      );
      items.completeRemaining(outcome.output);
      if (outcome.usage) ctx.recordUsage(outcome.usage);
      return { kind: "completed", toolOutputs: await tools.outputs(toolCallsOf(outcome.output)) };
    }
    case "cancelled":
      ctx.setChain(undefined);
      return { kind: "interrupted" };
    case "failed":
    case "dropped":
      ctx.setChain(undefined);
      if (signal.aborted) return { kind: "interrupted" };
      return {
        kind: "failed",
        error: turnErrorOf(outcome.error, outcome.status),
        errorType: outcome.error.name,
      };
  }
}

function maxRetries(ctx: TurnContext): number {
  return Math.max(ctx.client.provider.requestMaxRetries, ctx.client.provider.streamMaxRetries);
}

function recordTerminal(
  inference: InferenceRecorder | undefined,
  o: StreamOutcome,
  signal: AbortSignal,
): void {
  if (!inference) return;
  switch (o.status) {
    case "completed":
      inference.completed({
        responseId: o.responseId,
        upstreamRequestId: o.upstreamRequestId,
        tokenUsage: o.usage,
        outputItems: o.output,
      });
      return;
    case "cancelled":
      inference.cancelled({
        upstreamRequestId: o.upstreamRequestId,
        reason: "interrupted",
        partialOutputItems: o.partialOutput,
      });
      return;
    case "dropped":
      if (signal.aborted) {
        inference.cancelled({
          upstreamRequestId: o.upstreamRequestId,
          reason: "interrupted",
          partialOutputItems: o.partialOutput,
        });
      } else {
        inference.dropped({
          upstreamRequestId: o.upstreamRequestId,
          detail: o.error.message,
          partialOutputItems: o.partialOutput,
        });
      }
      return;
    case "failed":
      inference.failed({
        upstreamRequestId: o.upstreamRequestId,
        error: o.error.message,
        partialOutputItems: o.partialOutput,
      });
      return;
  }
}
