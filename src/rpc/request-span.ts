import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, type Span } from "@opentelemetry/api";
import { displayRequestId, type JsonRpcRequest, type W3cTraceContext } from "../protocol/index.js";
import {
  contextFromW3cTraceContext,
  logger,
  spanW3cTraceContext,
  startSpan,
  traceparentContextFromEnv,
} from "../telemetry/index.js";
import type { TransportKind } from "./transport.js";

const log = logger("spool_rpc::request_span");

/** What a request handler may do with its request's span, without touching OTel. */
export interface RequestSpanHandle {
  /** Records `turn.id` once core has accepted a turn. */
  recordTurnId(turnId: string): void;
  /** The carrier to forward downstream: the request span's, else the raw inbound carrier. */
  requestTrace(): W3cTraceContext | undefined;
  /** Marks the span as failed (an error response was sent); the message stays off the span. */
  recordError(code: number, message: string): void;
}

/** Span attribute values a server may add; kept free of OTel types so servers need no OTel import. */
export type RequestSpanAttributes = Record<string, string | number | boolean>;

/** The per-server part of the request span: attributes the server adds to the standard set. */
export type RequestAttributesFn = (request: JsonRpcRequest) => RequestSpanAttributes;

export interface RequestTracer {
  /** Runs `fn` inside the request's span; the span ends when `fn`'s promise settles. */
  run<T>(request: JsonRpcRequest, fn: (span: RequestSpanHandle) => Promise<T>): Promise<T>;
}

/**
 * The one factory of request spans. Every inbound request passes through `run`: the parent is
 * the envelope's `trace` carrier, else the `TRACEPARENT` env carrier, else none; an invalid
 * envelope carrier is ignored with one warning and the span becomes a root. The exported span is
 * named after the method (`otel.name`), kind SERVER, with the standard `rpc.*` attributes plus
 * the server's; in local logs it is `spanName` (`app_server.request` by default), as in Codex.
 *
 * @example
 * const tracer = createRequestTracer("stdio", (req) => ({ "app_server.api_version": "v2" }));
 * await tracer.run(request, async (span) => handler(request.params, span));
 */
export function createRequestTracer(
  transport: TransportKind,
  attributes: RequestAttributesFn,
  options: { spanName?: string } = {},
): RequestTracer {
  const spanName = options.spanName ?? "app_server.request";
  return {
    async run<T>(request: JsonRpcRequest, fn: (span: RequestSpanHandle) => Promise<T>): Promise<T> {
      const { span, context: spanContext } = startSpan(
        spanName,
        {
          "otel.name": request.method,
          "rpc.system": "jsonrpc",
          "rpc.method": request.method,
          "rpc.transport": transport,
          "rpc.request_id": displayRequestId(request.id),
          ...attributes(request),
        },
        { kind: SpanKind.SERVER, parent: parentContext(request) },
      );
      const handle = spanHandle(span, request);
      try {
        return await context.with(spanContext, fn, undefined, handle);
      } finally {
        span.end();
      }
    },
  };
}

function parentContext(request: JsonRpcRequest) {
  const carrier = request.trace;
  if (carrier && carrier.traceparent !== undefined && carrier.traceparent !== null) {
    const ctx = contextFromW3cTraceContext(carrier);
    if (ctx) return ctx;
    log.warn("ignoring invalid inbound request trace carrier", {
      rpc_method: request.method,
      rpc_request_id: displayRequestId(request.id),
    });
    return ROOT_CONTEXT;
  }
  return traceparentContextFromEnv() ?? ROOT_CONTEXT;
}

function spanHandle(span: Span, request: JsonRpcRequest): RequestSpanHandle {
  return {
    recordTurnId(turnId) {
      span.setAttribute("turn.id", turnId);
    },
    requestTrace() {
      const own = spanW3cTraceContext(span);
      if (own) return own;
      const raw = request.trace;
      if (!raw?.traceparent) return undefined;
      return raw.tracestate
        ? { traceparent: raw.traceparent, tracestate: raw.tracestate }
        : { traceparent: raw.traceparent };
    },
    // The code goes on the span; the message does not, since it can echo request content
    // (otel.md §3: the trace lane carries ids, names, counts, durations and statuses only).
    recordError(code) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute("rpc.jsonrpc.error_code", code);
    },
  };
}
