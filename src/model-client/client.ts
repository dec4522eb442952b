import { SpanKind, SpanStatusCode, context, type Attributes, type Span } from "@opentelemetry/api";
import type { ModelProvider } from "../config/index.js";
import {
  genAiProviderName,
  inferenceRequestAttributes,
  inferenceResultAttributes,
  injectSpanW3cTraceHeaders,
  logger,
  startSpan,
  type InferenceRecord,
  type InferenceRequest,
} from "../telemetry/index.js";
import type { AttemptResult, AttemptSink } from "./attempt.js";
import { abortableSleep } from "./backoff.js";
import { InferenceWatch, attemptOutput, inferenceContent, inferenceResult } from "./genai.js";
import { nextStep, type RetryBudget } from "./retry-policy.js";
import type { WebSocketConnectError } from "./errors.js";
import type { ModelClientError } from "./errors.js";
import { API_PATH, endpointUrl, providerHeaders, serverOf, websocketHeaders } from "./provider-request.js";
import { StartupPrewarm, warmupResult, type PrewarmResolution } from "./prewarm.js";
import {
  buildRequestBody,
  buildWebSocketCreate,
  type ResponsesRequest,
  type ResponsesRequestBody,
} from "./request.js";
import { ResponseStream, type ModelTransport } from "./response-stream.js";
import type { ResponseItem } from "./wire-events.js";
import { runSseAttempt } from "./sse-transport.js";
import { guardedModelTelemetry, noopModelTelemetry, type ModelClientTelemetry } from "./telemetry.js";
import { ResponsesWebSocket, websocketUrl } from "./websocket-transport.js";

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
  private readonly conversationId: string | undefined;
  private readonly genAi: boolean;
  private readonly serverAddress: string;
  private readonly serverPort: number;
  private prewarm: StartupPrewarm | undefined;
  private idleConnection: ResponsesWebSocket | undefined;
  private httpFallback = false;
  private closed = false;

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
    this.conversationId = options.conversationId;
    this.genAi = options.genAi ?? true;
    const server = serverOf(this.provider);
    this.serverAddress = server.address;
    this.serverPort = server.port;
  }

  /** `websocket` until a WebSocket failure makes the session fall back to HTTP for good. */
  get transport(): ModelTransport {
    return this.provider.supportsWebsockets && !this.httpFallback ? "responses_websocket" : "responses_http";
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
    if (this.closed || this.prewarm || this.transport !== "responses_websocket") return;
    let headers: Record<string, string>;
    try {
      headers = this.baseHeaders(undefined);
    } catch (err) {
      log.warn("startup prewarm skipped", { error: (err as Error).message });
      return;
    }
    const body = buildRequestBody(request);
    this.prewarm = new StartupPrewarm({
      timeoutMs: this.provider.websocketConnectTimeoutMs,
      telemetry: this.telemetry,
      open: (signal) =>
        this.withSpan("responses_websocket", request.model, 0, undefined, async (span) => {
          span.setAttribute("warmup", true);
          const h = websocketHeaders(headers);
          injectSpanW3cTraceHeaders(span, h);
          return ResponsesWebSocket.open(websocketUrl(this.endpointUrl()), {
            headers: h,
            timeoutMs: this.provider.websocketConnectTimeoutMs,
            signal,
          });
        }),
      warm: async (connection, signal) => {
        let terminal;
        const sink: AttemptSink = { upstreamRequestId() {}, event() {} };
        const r = await connection.request(
          buildWebSocketCreate(body, { generate: false }),
          { idleTimeoutMs: this.provider.streamIdleTimeoutMs, signal, telemetry: this.telemetry },
          sink,
        );
        if (r.kind === "terminal") terminal = r.event;
        return warmupResult(terminal, "error" in r ? r.error.message : r.kind);
      },
    });
  }

  /**
   * Resolves the startup prewarm for a turn: `ready`, `unavailable` or `cancelled` (the signal
   * fired first; the caller must then make no model request).
   */
  async consumePrewarm(signal?: AbortSignal): Promise<PrewarmResolution> {
    if (!this.prewarm) return { kind: "unavailable", reason: "no startup prewarm", status: "not_started" };
    const r = await this.prewarm.consume(signal, this.telemetry);
    if (r.kind === "ready") {
      const conn = this.prewarm.take();
      if (conn) this.idleConnection ??= conn;
    } else if (r.kind === "unavailable" && this.prewarm.connectFailed) {
      this.fallBackToHttp(r.reason);
    }
    return r;
  }

  private fallBackToHttp(reason: string): void {
    if (this.httpFallback) return;
    this.httpFallback = true;
    log.warn("websocket unavailable; falling back to HTTP SSE for this session", { reason });
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

  /** The GenAI description of a request, or `undefined` when GenAI telemetry is off. */
  private inferenceRequest(model: string, options: StreamOptions): InferenceRequest | undefined {
    if (!this.genAi) return undefined;
    const req: InferenceRequest = {
      providerName: genAiProviderName(this.provider.id),
      requestModel: model,
      stream: true,
      serverAddress: this.serverAddress,
      serverPort: this.serverPort,
    };
    const conversationId = options.conversationId ?? this.conversationId;
    if (conversationId !== undefined) req.conversationId = conversationId;
    return req;
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
    const genAi = this.inferenceRequest(request.model, options);
    const attrs = genAi && inferenceRequestAttributes(genAi);
    return this.withSpan(this.transport, request.model, attempt, attrs, async (span) => {
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
        result = await this.websocketAttempt(stream, body, headers, span, signal, sink);
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
      if (genAi && watch) this.reportInference(span, genAi, watch, result, body, stream.partialOutput);
      return result;
    });
  }

  private reportInference(
    span: Span,
    request: InferenceRequest,
    watch: InferenceWatch,
    result: AttemptResult,
    body: ResponsesRequestBody,
    doneItems: ResponseItem[],
  ): void {
    const output = attemptOutput(result, doneItems);
    const res = inferenceResult(result, watch, output);
    span.setAttributes(inferenceResultAttributes(res));
    const record: InferenceRecord = {
      request,
      result: res,
      content: () => inferenceContent(body, output, res.finishReasons?.[0]),
    };
    this.telemetry.inference(record);
  }

  /**
   * A WebSocket attempt, or `undefined` when the WebSocket is unavailable (the session then
   * falls back to HTTP for good and the caller runs the attempt over SSE).
   */
  private async websocketAttempt(
    stream: ResponseStream,
    body: ResponsesRequestBody,
    headers: Record<string, string>,
    span: Span,
    signal: AbortSignal | undefined,
    sink: AttemptSink,
  ): Promise<AttemptResult | undefined> {
    if (this.prewarm) {
      const r = await this.consumePrewarm(signal);
      if (r.kind === "cancelled") return { kind: "cancelled", reason: r.reason };
      if (this.httpFallback) return undefined;
    }
    let conn = this.idleConnection;
    this.idleConnection = undefined;
    if (!conn || !conn.isOpen || conn.busy) {
      const h = websocketHeaders(headers);
      injectSpanW3cTraceHeaders(span, h);
      try {
        conn = await ResponsesWebSocket.open(websocketUrl(this.endpointUrl()), {
          headers: h,
          timeoutMs: this.provider.websocketConnectTimeoutMs,
          signal,
        });
      } catch (err) {
        if (signal?.aborted) return { kind: "cancelled", reason: signal.reason };
        this.fallBackToHttp((err as WebSocketConnectError).message);
        return undefined;
      }
    }
    stream.beginAttempt("responses_websocket");
    // Over WebSocket there are no per-request headers: the carrier rides in client_metadata.
    const carrier: Record<string, string> = {};
    injectSpanW3cTraceHeaders(span, carrier);
    const message = buildWebSocketCreate({
      ...body,
      client_metadata: { ...(body.client_metadata ?? {}), ...carrier },
    });
    const result = await conn.request(
      message,
      { idleTimeoutMs: this.provider.streamIdleTimeoutMs, signal, telemetry: this.telemetry },
      sink,
    );
    // A terminal event or a retryable `error` event leaves the socket ready for the next request.
    if ((result.kind === "terminal" || result.kind === "http_error") && conn.isOpen && !this.closed) {
      this.idleConnection = conn;
    }
    return result;
  }

  private withSpan<T>(
    transport: ModelTransport,
    model: string,
    attempt: number,
    genAiAttributes: Attributes | undefined,
    fn: (span: Span) => Promise<T>,
  ): Promise<T> {
    const { span, context: spanContext } = startSpan(
      "responses.stream_request",
      {
        "server.address": this.serverAddress,
        "server.port": this.serverPort,
        model,
        provider: this.provider.name,
        transport,
        "http.method": transport === "responses_http" ? "POST" : "GET",
        "api.path": API_PATH,
        attempt,
      },
      { kind: SpanKind.CLIENT, attributes: genAiAttributes },
    );
    return context.with(spanContext, () => fn(span)).finally(() => span.end());
  }

  /** Closes WebSocket connections; in-flight HTTP streams end through their signals. */
  async close(): Promise<void> {
    this.closed = true;
    this.idleConnection?.close();
    this.idleConnection = undefined;
    await this.prewarm?.dispose();
  }
}
