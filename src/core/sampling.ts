import { randomUUID } from "node:crypto";
import {
  HttpStatusError,
  IdleTimeoutError,
  MissingApiKeyError,
  ResponseFailedError,
  StreamDroppedError,
  WebSocketConnectError,
  type ModelClientError,
  type ModelStreamEvent,
  type ResponseInputItem,
  type ResponseItem,
  type ResponseStream,
  type ResponsesRequest,
  type StreamOutcome,
} from "../model-client/index.js";
import type { CodexErrorInfo, ThreadItem, TurnError } from "../protocol/index.js";
import type { InferenceRecorder } from "../rollout-trace/index.js";
import { withSpan } from "../telemetry/index.js";
import { autoCompactIfNeeded } from "./compaction/index.js";
import { baseInstructionsItem, userMessageItem } from "./prompt.js";
import type { TaskOutcome, TurnContext } from "./tasks/task.js";
import type { ToolCallRequest, ToolContext } from "./tools.js";

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

/** The turn's model request over `input` (default: the whole history), as `run_turn` sends it. */
export function buildRequest(ctx: TurnContext, input?: readonly ResponseInputItem[]): ResponsesRequest {
  const s = ctx.settings;
  const full = [baseInstructionsItem(s), ...(input ?? ctx.history())];
  // Over a reused WebSocket the server still holds the previous response: send only what is
  // new since it (Codex's incremental requests). Over HTTP every request carries everything.
  // A request over other input (a compaction's) never continues the chain.
  const chain = input === undefined && ctx.client.canChainResponses ? ctx.chain() : undefined;
  const incremental = chain !== undefined && chain.covered <= full.length;
  const reasoning = s.reasoningEffort || s.reasoningSummary !== "none";
  const request: ResponsesRequest = {
    model: s.model,
    input: incremental ? full.slice(chain.covered) : full,
    ...(incremental ? { previousResponseId: chain.responseId } : {}),
    tools: ctx.tools.specs(),
    toolChoice: "auto",
    parallelToolCalls: ctx.tools.parallel,
    reasoning: reasoning
      ? {
          ...(s.reasoningEffort ? { effort: s.reasoningEffort as "low" } : {}),
          ...(s.reasoningSummary !== "none" ? { summary: s.reasoningSummary as "auto" } : {}),
        }
      : null,
    store: false,
    include: reasoning ? ["reasoning.encrypted_content"] : [],
    promptCacheKey: ctx.threadId,
    clientMetadata: { thread_id: ctx.threadId, turn_id: ctx.turnId, session_id: ctx.threadId },
  };
  // Codex's `final_output_json_schema`: strict, under the name Codex gives it.
  if (s.outputSchema !== undefined)
    request.text = {
      format: { type: "json_schema", strict: true, name: "codex_output_schema", schema: s.outputSchema },
    };
  return request;
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

/**
 * The tool calls of one model response: each dispatched through the router as soon as its item
 * is done (concurrently; the router's gate decides what may overlap), their outputs collected in
 * call order. A response that does not complete cancels the calls it started.
 */
class ToolCalls {
  private readonly running = new Map<string, Promise<ResponseInputItem>>();
  private readonly controller = new AbortController();
  private readonly toolCtx: ToolContext;

  constructor(ctx: TurnContext, signal: AbortSignal) {
    this.toolCtx = {
      threadId: ctx.threadId,
      turnId: ctx.turnId,
      cwd: ctx.settings.cwd,
      approvalPolicy: ctx.settings.approvalPolicy,
      sandbox: ctx.settings.sandbox,
      approvals: ctx.approvals,
      signal: AbortSignal.any([signal, this.controller.signal]),
      emit: (e) => ctx.emit(e),
      rollout: ctx.rollout,
      telemetry: ctx.telemetry,
      completeItem: (item) => ctx.completeItem(item),
      recordFileChange: ctx.recordFileChange,
    };
    this.tools = ctx.tools;
    this.ctx = ctx;
  }
  private readonly tools: TurnContext["tools"];
  private readonly ctx: TurnContext;

  start(call: ToolCallRequest): void {
    if (this.running.has(call.callId)) return;
    this.ctx.toolCallStarted();
    const p = withSpan("handle_tool_call_with_source", { call_id: call.callId }, () =>
      this.tools.dispatch(call, this.toolCtx),
    );
    // Awaited in `outputs` or `abandon`; never left to reject unobserved.
    p.catch(() => undefined);
    this.running.set(call.callId, p);
  }

  async outputs(calls: readonly ToolCallRequest[]): Promise<ResponseInputItem[]> {
    for (const c of calls) this.start(c);
    return Promise.all(calls.map((c) => this.running.get(c.callId)!));
  }

  async abandon(): Promise<void> {
    if (this.running.size === 0) return;
    this.controller.abort(new Error("model response did not complete"));
    await Promise.allSettled(this.running.values());
  }
}

function toolCallsOf(output: readonly ResponseItem[]): ToolCallRequest[] {
  const calls: ToolCallRequest[] = [];
  for (const item of output) {
    const o = item as Record<string, unknown>;
    if (item.type === "function_call" && typeof o.call_id === "string" && typeof o.name === "string") {
      calls.push({
        callId: o.call_id,
        name: o.name,
        namespace: typeof o.namespace === "string" ? o.namespace : undefined,
        arguments: typeof o.arguments === "string" ? o.arguments : JSON.stringify(o.arguments ?? {}),
      });
    } else if (
      item.type === "custom_tool_call" &&
      typeof o.call_id === "string" &&
      typeof o.name === "string"
    ) {
      calls.push({
        callId: o.call_id,
        name: o.name,
        arguments: typeof o.input === "string" ? o.input : "",
        custom: true,
      });
    }
  }
  return calls;
}

function statusInfo(status: number): CodexErrorInfo {
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 400) return "badRequest";
  if (status === 404) return "modelNotFound";
  if (status === 429) return "usageLimitExceeded";
  return { responseTooManyFailedAttempts: { httpStatusCode: status } };
}

/** The `TurnError` a client sees for a failed model request; its text never reaches a span. */
export function turnErrorOf(error: ModelClientError, status: "failed" | "dropped"): TurnError {
  let info: CodexErrorInfo = "other";
  if (error instanceof MissingApiKeyError) info = "unauthorized";
  else if (error instanceof HttpStatusError) info = statusInfo(error.status);
  else if (error instanceof WebSocketConnectError)
    info = { responseStreamConnectionFailed: { httpStatusCode: error.status ?? null } };
  else if (error instanceof StreamDroppedError || error instanceof IdleTimeoutError || status === "dropped")
    info = { responseStreamDisconnected: { httpStatusCode: null } };
  else if (error instanceof ResponseFailedError)
    info = error.code === "context_length_exceeded" ? "contextWindowExceeded" : "internalServerError";
  return { message: error.message, codexErrorInfo: info, additionalDetails: null };
}

type Live =
  | { kind: "agentMessage"; item: Extract<ThreadItem, { type: "agentMessage" }>; done: boolean }
  | { kind: "reasoning"; item: Extract<ThreadItem, { type: "reasoning" }>; done: boolean };

/** Turns one response's stream events into item lifecycle events (started → deltas → completed). */
class StreamItems {
  private readonly live = new Map<string, Live>();

  constructor(private readonly ctx: TurnContext) {}

  handle(event: ModelStreamEvent): void {
    switch (event.type) {
      case "response.output_item.added":
        this.open(event.item);
        return;
      case "response.output_text.delta": {
        const l = this.ensure(event.item_id, "agentMessage");
        if (l.kind !== "agentMessage") return;
        this.ctx.firstToken();
        l.item.text += event.delta;
        this.ctx.emit({
          type: "agent_message_delta",
          turnId: this.ctx.turnId,
          itemId: l.item.id,
          delta: event.delta,
        });
        return;
      }
      case "response.reasoning_summary_text.delta": {
        const l = this.ensure(event.item_id, "reasoning");
        if (l.kind !== "reasoning") return;
        this.ctx.firstToken();
        const summary = (l.item.summary ??= []);
        while (summary.length <= event.summary_index) {
          summary.push("");
          this.ctx.emit({
            type: "reasoning_summary_part_added",
            turnId: this.ctx.turnId,
            itemId: l.item.id,
            summaryIndex: summary.length - 1,
          });
        }
        summary[event.summary_index] += event.delta;
        this.ctx.emit({
          type: "reasoning_summary_delta",
          turnId: this.ctx.turnId,
          itemId: l.item.id,
          delta: event.delta,
          summaryIndex: event.summary_index,
        });
        return;
      }
      case "response.reasoning_text.delta": {
        const l = this.ensure(event.item_id, "reasoning");
        if (l.kind !== "reasoning") return;
        this.ctx.firstToken();
        const content = (l.item.content ??= []);
        while (content.length <= event.content_index) content.push("");
        content[event.content_index] += event.delta;
        this.ctx.emit({
          type: "reasoning_text_delta",
          turnId: this.ctx.turnId,
          itemId: l.item.id,
          delta: event.delta,
          contentIndex: event.content_index,
        });
        return;
      }
      case "response.output_item.done":
        this.done(event.item);
        return;
      default:
        return;
    }
  }

  /** Items the stream never closed with `output_item.done` are closed from the final output. */
  completeRemaining(output: readonly ResponseItem[]): void {
    for (const item of output) if (item.id && this.live.get(item.id)?.done === false) this.done(item);
  }

  private kindOf(item: ResponseItem): Live["kind"] | undefined {
    if (item.type === "message" && (item as { role?: unknown }).role === "assistant") return "agentMessage";
    if (item.type === "reasoning") return "reasoning";
    return undefined;
  }

  private open(item: ResponseItem): Live | undefined {
    const kind = this.kindOf(item);
    if (!kind) return undefined;
    return this.start(item.id ?? `item_${randomUUID()}`, kind);
  }

  private ensure(id: string, kind: Live["kind"]): Live {
    return this.live.get(id) ?? this.start(id, kind);
  }

  private start(id: string, kind: Live["kind"]): Live {
    const existing = this.live.get(id);
    if (existing) return existing;
    const now = Date.now();
    const l: Live =
      kind === "agentMessage"
        ? {
            kind,
            item: { type: "agentMessage", id, text: "", phase: null, startedAtMs: now, completedAtMs: null },
            done: false,
          }
        : {
            kind,
            item: { type: "reasoning", id, summary: [], content: [], startedAtMs: now, completedAtMs: null },
            done: false,
          };
    this.live.set(id, l);
    this.ctx.emit({ type: "item_started", turnId: this.ctx.turnId, item: { ...l.item }, atMs: now });
    return l;
  }

  private done(item: ResponseItem): void {
    const kind = this.kindOf(item);
    if (!kind) return;
    const l = this.ensure(item.id ?? `item_${randomUUID()}`, kind);
    if (l.done) return;
    l.done = true;
    const now = Date.now();
    const o = item as Record<string, unknown>;
    let final: ThreadItem;
    if (l.kind === "agentMessage") {
      const parts = Array.isArray(o.content) ? (o.content as Record<string, unknown>[]) : [];
      const text = parts
        .filter((p) => p.type === "output_text" && typeof p.text === "string")
        .map((p) => p.text as string)
        .join("");
      final = { ...l.item, text: text || l.item.text, completedAtMs: now };
    } else {
      const summary = Array.isArray(o.summary)
        ? (o.summary as Record<string, unknown>[]).map((s) => String(s.text ?? ""))
        : l.item.summary;
      final = { ...l.item, summary, completedAtMs: now };
    }
    this.ctx.completeItem(final);
    this.ctx.emit({ type: "item_completed", turnId: this.ctx.turnId, item: final, atMs: now });
  }
}
