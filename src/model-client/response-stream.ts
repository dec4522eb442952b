import type { TokenUsage } from "../protocol/index.js";
import type { ModelClientError } from "./errors.js";
import type { ResponsesRequestBody } from "./request.js";
import type { ResponseItem, ResponsesStreamEvent, WireUsage } from "./wire-events.js";

/** A completed response's usage, flattened from the wire's `*_details` (the one mapping in). */
export function tokenUsageFromWire(u: WireUsage | null | undefined): TokenUsage | null {
  if (!u) return null;
  return {
    inputTokens: u.input_tokens,
    cachedInputTokens: u.input_tokens_details?.cached_tokens ?? 0,
    // The Responses API reports no cache writes.
    cacheWriteInputTokens: 0,
    outputTokens: u.output_tokens,
    reasoningOutputTokens: u.output_tokens_details?.reasoning_tokens ?? 0,
    totalTokens: u.total_tokens ?? u.input_tokens + u.output_tokens,
  };
}

/** Emitted by the client (not the server) before it retries a request or a dropped stream. */
export interface RetryNotice {
  type: "spool.retry";
  /** The attempt about to start (2 for the first retry). */
  attempt: number;
  delayMs: number;
  reason: string;
  /** The `x-request-id` of the attempt being abandoned (`null` over WebSocket or without a response). */
  abandonedUpstreamRequestId: string | null;
}

export type ModelStreamEvent = ResponsesStreamEvent | RetryNotice;

export type ModelTransport = "responses_http" | "responses_websocket";

interface OutcomeIds {
  /** The `response.id` seen last (`null` when none arrived). */
  responseId: string | null;
  /** The `x-request-id` of the last HTTP attempt; always `null` over WebSocket. */
  upstreamRequestId: string | null;
  attempts: number;
  transport: ModelTransport;
}

/** How a stream ended; every variant carries the ids observed so far. */
export type StreamOutcome =
  | (OutcomeIds & {
      status: "completed";
      responseId: string;
      usage: TokenUsage | null;
      output: ResponseItem[];
    })
  | (OutcomeIds & { status: "failed"; error: ModelClientError; partialOutput: ResponseItem[] })
  | (OutcomeIds & { status: "cancelled"; reason: unknown; partialOutput: ResponseItem[] })
  | (OutcomeIds & { status: "dropped"; error: ModelClientError; partialOutput: ResponseItem[] });

/**
 * One model response being streamed. Iterate it for events; `outcome` resolves once with the
 * terminal outcome (iteration then ends). The producer runs whether or not anyone iterates, so
 * idle timeouts and cancellation behave the same for a slow consumer.
 *
 * @example
 * const stream = client.stream(request, { signal });
 * for await (const ev of stream) if (ev.type === "response.output_text.delta") write(ev.delta);
 * const outcome = await stream.outcome; // outcome.upstreamRequestId is the x-request-id
 */
export class ResponseStream implements AsyncIterable<ModelStreamEvent> {
  upstreamRequestId: string | null = null;
  responseId: string | null = null;
  transport: ModelTransport;
  attempts = 0;
  /** The body sent upstream (over WebSocket the `response.create` adds the trace carrier). */
  requestBody: ResponsesRequestBody | undefined;
  readonly outcome: Promise<StreamOutcome>;
  private resolveOutcome!: (o: StreamOutcome) => void;
  private readonly queue: ModelStreamEvent[] = [];
  private wake: (() => void) | undefined;
  private finished = false;
  /** Completed output items of the current attempt, in `output_index` order of arrival. */
  private doneItems: ResponseItem[] = [];
  private sawOutput = false;

  constructor(transport: ModelTransport) {
    this.transport = transport;
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
  }

  /** True once the current attempt produced content (a delta or a finished item): a drop is then not retried. */
  get hasOutput(): boolean {
    return this.sawOutput;
  }

  get partialOutput(): ResponseItem[] {
    return [...this.doneItems];
  }

  /** @internal Starts a new attempt: output of an abandoned attempt is forgotten. */
  beginAttempt(transport: ModelTransport): void {
    this.attempts++;
    this.transport = transport;
    this.doneItems = [];
    this.sawOutput = false;
    // Ids belong to one attempt: an attempt that fails before its headers (or before
    // response.created) must not report the previous attempt's x-request-id or response id.
    this.upstreamRequestId = null;
    this.responseId = null;
  }

  /** @internal */
  push(event: ModelStreamEvent): void {
    if (this.finished) return;
    // Deltas first: they are nearly every event.
    switch (event.type) {
      case "response.output_text.delta":
      case "response.function_call_arguments.delta":
      case "response.reasoning_summary_text.delta":
      case "response.reasoning_text.delta":
        this.sawOutput = true;
        break;
      case "response.output_item.done":
        this.doneItems.push(event.item);
        this.sawOutput = true;
        break;
      case "response.created":
      case "response.completed":
      case "response.failed":
      case "response.incomplete":
        this.responseId = event.response.id;
        break;
      default:
        // `output_item.added` alone announces an item without content: still safe to retry.
        break;
    }
    this.queue.push(event);
    this.wakeUp();
  }

  /** @internal Resolves the outcome (first call wins) and ends iteration after queued events. */
  finish(outcome: StreamOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveOutcome(outcome);
    this.wakeUp();
  }

  /** @internal */
  ids(): OutcomeIds {
    return {
      responseId: this.responseId,
      upstreamRequestId: this.upstreamRequestId,
      attempts: this.attempts,
      transport: this.transport,
    };
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /**
   * A hand-written iterator rather than an async generator: it resolves straight from the queue
   * without the generator's extra promise hops, which matters at tens of thousands of deltas.
   * Meant for one consumer.
   */
  [Symbol.asyncIterator](): AsyncIterator<ModelStreamEvent> {
    let i = 0;
    const next = (): Promise<IteratorResult<ModelStreamEvent>> => {
      if (i < this.queue.length) {
        const value = this.queue[i++]!;
        // Drop consumed events once they are most of the queue (amortised O(1) per event).
        if (i > 1024 && i * 2 > this.queue.length) {
          this.queue.splice(0, i);
          i = 0;
        }
        return Promise.resolve({ value, done: false });
      }
      if (this.finished) return Promise.resolve({ value: undefined, done: true });
      return new Promise<void>((resolve) => (this.wake = resolve)).then(next);
    };
    return { next, return: () => Promise.resolve({ value: undefined, done: true }) };
  }

  /** Drains the stream and returns its outcome. */
  async collect(): Promise<StreamOutcome> {
    for await (const _ of this) {
      // draining
    }
    return this.outcome;
  }
}
