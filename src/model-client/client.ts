import { SpanKind, SpanStatusCode, context } from "@opentelemetry/api";
import type { ModelProvider } from "../config/index.js";
import {
  inferenceRequestAttributes,
  injectSpanW3cTraceHeaders,
  logger,
  startSpan,
} from "../telemetry/index.js";
import type { AttemptResult, AttemptSink } from "./attempt.js";
import { AttemptSpans } from "./attempt-span.js";
import { abortableSleep } from "./backoff.js";
import type { ModelClientError } from "./errors.js";
import { InferenceWatch } from "./genai.js";
import type { PrewarmResolution } from "./prewarm.js";
import { API_PATH, endpointUrl, providerHeaders } from "./provider-request.js";
import { buildRequestBody, type ResponsesRequest, type ResponsesRequestBody } from "./request.js";
import { ResponseStream, type ModelTransport } from "./response-stream.js";
import { nextStep, type RetryBudget } from "./retry-policy.js";
import { runSseAttempt } from "./sse-transport.js";
import { guardedModelTelemetry, noopModelTelemetry, type ModelClientTelemetry } from "./telemetry.js";
import { WebSocketSession } from "./websocket-session.js";

const log = logger("spool_model_client");
export interface ModelClientOptions {
  provider: ModelProvider;
  telemetry?: ModelClientTelemetry;
  /** Where `env_key` and `env_http_headers` are read (default `process.env`), per request. */
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Sent as the `session_id` header, as Codex does, when set. */
  sessionId?: string;
  /** Jitter source, for deterministic tests. */
  random?: () => number;
  /** `gen_ai.conversation.id` of every request (the thread id); `StreamOptions.conversationId` wins. */
  conversationId?: string;
  /**
   * OpenTelemetry GenAI conventions on attempt spans, `gen_ai.client.*` metrics and the opt-in
   * content event (default true). False leaves only Codex's names (the benchmark's baseline).
   */
  genAi?: boolean;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** Extra request headers for every attempt. */
  headers?: Record<string, string>;
  /**
   * Called before each attempt (1-based); the headers it returns are added to that attempt, e.g.
   * a fresh `x-codex-inference-call-id` per upstream attempt for the rollout trace.
   */
  attemptHeaders?: (attempt: number) => Record<string, string> | undefined;
  /** `gen_ai.conversation.id` for this request (the thread id). */
  conversationId?: string;
}

/**
 * The Responses API client of one session. HTTP SSE always works; when the provider
 * `supports_websockets`, requests go over a WebSocket (warmed by `startPrewarm`) until the
 * WebSocket proves unavailable, after which the session stays on HTTP (sticky fallback).
 *
 * @example
 * const client = new ModelClient({ provider });
 * const outcome = await client.stream({ model: "gpt-5", input: [userMessage("hi")] }).collect();
 */
export class ModelClient {
  readonly provider: ModelProvider;
  private readonly telemetry: ModelClientTelemetry;
  private readonly env: NodeJS.ProcessEnv;
  private readonly fetchImpl: typeof fetch;
  private readonly random: () => number;
  private readonly sessionId: string | undefined;
  private readonly spans: AttemptSpans;
  private readonly websocket: WebSocketSession;

  constructor(options: ModelClientOptions) {
    this.provider = options.provider;
    this.telemetry = options.telemetry
      ? guardedModelTelemetry(options.telemetry, (method, err, count) => {
          if (count === 1) log.warn("model telemetry failed; continuing", { method, error: String(err) });
        })
      : noopModelTelemetry;
    this.env = options.env ?? process.env;
    this.fetchImpl = options.fetch ?? fetch;
    this.random = options.random ?? Math.random;
    this.sessionId = options.sessionId;
    this.spans = new AttemptSpans(
      this.provider,
      this.telemetry,
      options.genAi ?? true,
      options.conversationId,
    );
    this.websocket = new WebSocketSession({
      provider: this.provider,
      telemetry: this.telemetry,
      spans: this.spans,
      baseHeaders: () => this.baseHeaders(undefined),
      endpointUrl: () => this.endpointUrl(),
    });
  }

  /** `websocket` until a WebSocket failure makes the session fall back to HTTP for good. */
  get transport(): ModelTransport {
    return this.websocket.transport;
  }

  /** The endpoint URL with the provider's query params. */
  endpointUrl(): string {
    return endpointUrl(this.provider);
  }

  private baseHeaders(extra: Record<string, string> | undefined): Record<string, string> {
    return providerHeaders(this.provider, this.env, this.sessionId, extra);
  }

  /**
   * Starts the startup prewarm (spec/app-server.md §8): open the WebSocket and send a
   * `response.create` with `generate: false`, bounded by `websocket_connect_timeout_ms`. A no-op
   * when the provider has no WebSocket support or a prewarm already started.
   */
  startPrewarm(request: ResponsesRequest): void {
    this.websocket.startPrewarm(request);
  }

  /**
   * Resolves the startup prewarm for a turn: `ready`, `unavailable` or `cancelled` (the signal
   * fired first; the caller must then make no model request).
   */
  async consumePrewarm(signal?: AbortSignal): Promise<PrewarmResolution> {
    return this.websocket.consumePrewarm(signal);
  }

  /**
   * Whether the next request would go over an open, idle WebSocket this client already used: the
   * server then still holds the previous response, so the caller may send `previous_response_id`
   * with only the new items (Codex's incremental WebSocket requests).
   */
  get canChainResponses(): boolean {
    return this.websocket.canChainResponses;
  }

  /**
   * Streams one response. Retries 429/5xx (honouring `Retry-After`) up to
   * `request_max_retries` and streams that drop before any output up to `stream_max_retries`.
   * Never throws: problems end the stream with a `failed`/`dropped`/`cancelled` outcome.
   */
  stream(request: ResponsesRequest, options: StreamOptions = {}): ResponseStream {
    const stream = new ResponseStream(this.transport);
    const { span: outer, context: spanContext } = startSpan(
      "model_client.stream_responses_api",
      {
        model: request.model,
        provider: this.provider.name,
        wire_api: "responses",
        transport: this.transport,
        "http.method": "POST",
        "api.path": API_PATH,
      },
      { kind: SpanKind.INTERNAL },
    );
    const run = context.with(spanContext, () => this.run(stream, request, options));
    run
      .catch((err: unknown) => {
        log.error("model stream failed unexpectedly", { error: (err as Error).message });
        stream.finish({
          ...stream.ids(),
          status: "failed",
          error: err as ModelClientError,
          partialOutput: stream.partialOutput,
        });
      })
      .finally(() => {
        void stream.outcome.then((o) => {
          outer.setAttribute("transport", o.transport);
          outer.setAttribute("attempts", o.attempts);
          if (o.status !== "completed") outer.setStatus({ code: SpanStatusCode.ERROR, message: o.status });
          outer.end();
        });
      });
    return stream;
  }

  private async run(
    stream: ResponseStream,
    request: ResponsesRequest,
    options: StreamOptions,
  ): Promise<void> {
    const signal = options.signal;
    const fail = (error: ModelClientError) =>
      stream.finish({ ...stream.ids(), status: "failed", error, partialOutput: stream.partialOutput });
    let headers: Record<string, string>;
    try {
      headers = this.baseHeaders(options.headers);
    } catch (err) {
      fail(err as ModelClientError);
      return;
    }
    const body = buildRequestBody(request);
    stream.requestBody = body;
    const budget: RetryBudget = { request: 0, stream: 0 };
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) {
        const reason: unknown = signal.reason;
        stream.finish({ ...stream.ids(), status: "cancelled", reason, partialOutput: stream.partialOutput });
        return;
      }
      const extra = options.attemptHeaders?.(attempt);
      const attemptHeaders = extra ? { ...headers, ...extra } : headers;
      const result = await this.attempt(stream, request, body, attemptHeaders, attempt, options);
      const next = nextStep(result, stream, this.provider, budget, this.random);
      if (!next.retry) {
        stream.finish(next.outcome);
        return;
      }
      stream.push({
        type: "spool.retry",
        attempt: attempt + 1,
        delayMs: next.delayMs,
        reason: next.reason,
        abandonedUpstreamRequestId: stream.upstreamRequestId,
      });
      try {
        await abortableSleep(next.delayMs, signal);
      } catch (reason) {
        stream.finish({ ...stream.ids(), status: "cancelled", reason, partialOutput: stream.partialOutput });
        return;
      }
    }
  }

  /**
   * One attempt inside its CLIENT span `responses.stream_request`, which also carries the GenAI
   * `chat` attributes; the attempt is reported to telemetry as one GenAI operation when it ends.
   */
  private attempt(
    stream: ResponseStream,
    request: ResponsesRequest,
    body: ResponsesRequestBody,
    headers: Record<string, string>,
    attempt: number,
    options: StreamOptions,
  ): Promise<AttemptResult> {
    const signal = options.signal;
    const genAi = this.spans.inferenceRequest(request.model, options.conversationId);
    const attrs = genAi && inferenceRequestAttributes(genAi);
    return this.spans.withSpan(this.transport, request.model, attempt, attrs, async (span) => {
      const watch = genAi && new InferenceWatch();
      const sink: AttemptSink = {
        upstreamRequestId: (id) => {
          stream.upstreamRequestId = id;
          if (id !== null) span.setAttribute("http.response.header.x-request-id", id);
        },
        event: watch
          ? (ev) => {
              watch.see(ev);
              stream.push(ev);
            }
          : (ev) => stream.push(ev),
      };
      let result: AttemptResult | undefined;
      if (this.transport === "responses_websocket") {
        result = await this.websocket.attempt(stream, body, headers, span, signal, sink);
        if (result === undefined) span.setAttribute("transport", "responses_http");
      }
      if (result === undefined) {
        stream.beginAttempt("responses_http");
        const h: Record<string, string> = {
          ...headers,
          "content-type": "application/json",
          accept: "text/event-stream",
        };
        injectSpanW3cTraceHeaders(span, h);
        result = await runSseAttempt(
          {
            url: this.endpointUrl(),
            headers: h,
            body: JSON.stringify(body),
            attempt,
            idleTimeoutMs: this.provider.streamIdleTimeoutMs,
            signal,
            telemetry: this.telemetry,
            fetch: this.fetchImpl,
            endpoint: API_PATH,
            onStatus: (status) => span.setAttribute("http.response.status_code", status),
          },
          sink,
        );
      }
      span.setAttribute("outcome", result.kind);
      if (result.kind !== "terminal" || result.event.type !== "response.completed") {
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.kind });
      }
      if (genAi && watch) this.spans.reportInference(span, genAi, watch, result, body, stream.partialOutput);
      return result;
    });
  }

  /** Closes WebSocket connections; in-flight HTTP streams end through their signals. */
  async close(): Promise<void> {
    await this.websocket.close();
  }
}
