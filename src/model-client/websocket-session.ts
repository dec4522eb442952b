import type { Span } from "@opentelemetry/api";
import type { ModelProvider } from "../config/index.js";
import { injectSpanW3cTraceHeaders, logger } from "../telemetry/index.js";
import type { AttemptResult, AttemptSink } from "./attempt.js";
import type { AttemptSpans } from "./attempt-span.js";
import type { WebSocketConnectError } from "./errors.js";
import { StartupPrewarm, warmupResult, type PrewarmResolution } from "./prewarm.js";
import { websocketHeaders } from "./provider-request.js";
import {
  buildRequestBody,
  buildWebSocketCreate,
  type ResponsesRequest,
  type ResponsesRequestBody,
} from "./request.js";
import type { ModelTransport, ResponseStream } from "./response-stream.js";
import type { ModelClientTelemetry } from "./telemetry.js";
import { ResponsesWebSocket, websocketUrl } from "./websocket-transport.js";

const log = logger("spool_model_client");

/** What the WebSocket side needs from its client. */
export interface WebSocketSessionDeps {
  provider: ModelProvider;
  telemetry: ModelClientTelemetry;
  spans: AttemptSpans;
  /** The provider's headers for a request; throws when they cannot be built (e.g. no API key). */
  baseHeaders: () => Record<string, string>;
  endpointUrl: () => string;
}

/**
 * The WebSocket side of one client session: the startup prewarm, the idle connection kept for
 * the next request, and the sticky fallback to HTTP once the WebSocket proves unavailable.
 */
export class WebSocketSession {
  private prewarm: StartupPrewarm | undefined;
  private idleConnection: ResponsesWebSocket | undefined;
  private httpFallback = false;
  private closed = false;

  constructor(private readonly deps: WebSocketSessionDeps) {}

  /** `websocket` until a WebSocket failure makes the session fall back to HTTP for good. */
  get transport(): ModelTransport {
    return this.deps.provider.supportsWebsockets && !this.httpFallback
      ? "responses_websocket"
      : "responses_http";
  }

  /** See `ModelClient.startPrewarm`. */
  startPrewarm(request: ResponsesRequest): void {
    if (this.closed || this.prewarm || this.transport !== "responses_websocket") return;
    const { provider, telemetry } = this.deps;
    let headers: Record<string, string>;
    try {
      headers = this.deps.baseHeaders();
    } catch (err) {
      log.warn("startup prewarm skipped", { error: (err as Error).message });
      return;
    }
    const body = buildRequestBody(request);
    this.prewarm = new StartupPrewarm({
      timeoutMs: provider.websocketConnectTimeoutMs,
      telemetry,
      open: (signal) =>
        this.deps.spans.withSpan("responses_websocket", request.model, 0, undefined, async (span) => {
          span.setAttribute("warmup", true);
          const h = websocketHeaders(headers);
          injectSpanW3cTraceHeaders(span, h);
          return ResponsesWebSocket.open(websocketUrl(this.deps.endpointUrl()), {
            headers: h,
            timeoutMs: provider.websocketConnectTimeoutMs,
            signal,
          });
        }),
      warm: async (connection, signal) => {
        let terminal;
        const sink: AttemptSink = { upstreamRequestId() {}, event() {} };
        const r = await connection.request(
          buildWebSocketCreate(body, { generate: false }),
          { idleTimeoutMs: provider.streamIdleTimeoutMs, signal, telemetry },
          sink,
        );
        if (r.kind === "terminal") terminal = r.event;
        return warmupResult(terminal, "error" in r ? r.error.message : r.kind);
      },
    });
  }

  /** See `ModelClient.consumePrewarm`. */
  async consumePrewarm(signal?: AbortSignal): Promise<PrewarmResolution> {
    if (!this.prewarm) return { kind: "unavailable", reason: "no startup prewarm", status: "not_started" };
    const r = await this.prewarm.consume(signal, this.deps.telemetry);
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

  /** See `ModelClient.canChainResponses`. */
  get canChainResponses(): boolean {
    const conn = this.idleConnection;
    return this.transport === "responses_websocket" && conn !== undefined && conn.isOpen && !conn.busy;
  }

  /**
   * A WebSocket attempt, or `undefined` when the WebSocket is unavailable (the session then
   * falls back to HTTP for good and the caller runs the attempt over SSE).
   */
  async attempt(
    stream: ResponseStream,
    body: ResponsesRequestBody,
    headers: Record<string, string>,
    span: Span,
    signal: AbortSignal | undefined,
    sink: AttemptSink,
  ): Promise<AttemptResult | undefined> {
    const { provider, telemetry } = this.deps;
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
        conn = await ResponsesWebSocket.open(websocketUrl(this.deps.endpointUrl()), {
          headers: h,
          timeoutMs: provider.websocketConnectTimeoutMs,
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
      { idleTimeoutMs: provider.streamIdleTimeoutMs, signal, telemetry },
      sink,
    );
    // A terminal event or a retryable `error` event leaves the socket ready for the next request.
    if ((result.kind === "terminal" || result.kind === "http_error") && conn.isOpen && !this.closed) {
      this.idleConnection = conn;
    }
    return result;
  }

  /** Closes the idle connection and the prewarm. */
  async close(): Promise<void> {
    this.closed = true;
    this.idleConnection?.close();
    this.idleConnection = undefined;
    await this.prewarm?.dispose();
  }
}
