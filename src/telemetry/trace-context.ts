import {
  ROOT_CONTEXT,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  trace,
  type Context,
  type Span,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { W3cTraceContext } from "../protocol/index.js";
import { logger } from "./log.js";

const propagator = new W3CTraceContextPropagator();
const log = logger("spool_otel::trace_context");

/**
 * Rewrites the tracestate of an outgoing carrier (the `[otel] tracestate` merge). Installed by
 * the telemetry provider; identity when nothing is configured.
 */
export type TracestateMerger = (tracestate: string | undefined) => string | undefined;
let tracestateMerger: TracestateMerger | undefined;

export function setTracestateMerger(merger: TracestateMerger | undefined): void {
  tracestateMerger = merger;
}

/**
 * Carrier → remote parent context. Absent `traceparent` means no context (a `tracestate`-only
 * carrier is ignored); validity is what the W3C propagator and `isSpanContextValid` decide.
 */
export function contextFromTraceHeaders(
  traceparent: string | null | undefined,
  tracestate?: string | null,
): Context | undefined {
  if (traceparent === undefined || traceparent === null) return undefined;
  const carrier: Record<string, string> = { traceparent };
  if (tracestate !== undefined && tracestate !== null) carrier.tracestate = tracestate;
  const ctx = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  const spanContext = trace.getSpanContext(ctx);
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
  return ctx;
}

export function contextFromW3cTraceContext(
  carrier: { traceparent?: string | null; tracestate?: string | null } | null | undefined,
): Context | undefined {
  if (!carrier) return undefined;
  return contextFromTraceHeaders(carrier.traceparent, carrier.tracestate);
}

let envContext: { value: Context | undefined } | undefined;

/**
 * The process-level parent from `TRACEPARENT`/`TRACESTATE`: read from the environment
 * `installTelemetry` was given when it ran, else from `process.env` on first use; a negative
 * answer is remembered too. Set but invalid gives one warning per reading.
 */
export function traceparentContextFromEnv(): Context | undefined {
  envContext ??= { value: readEnvTraceContext(process.env) };
  return envContext.value;
}

/** Reads (and remembers) the env parent now; `installTelemetry` calls it with its `env`. */
export function captureEnvTraceContext(env: NodeJS.ProcessEnv): Context | undefined {
  envContext = { value: readEnvTraceContext(env) };
  return envContext.value;
}

function readEnvTraceContext(env: NodeJS.ProcessEnv): Context | undefined {
  const traceparent = env.TRACEPARENT;
  if (traceparent === undefined || traceparent === "") return undefined;
  const value = contextFromTraceHeaders(traceparent, env.TRACESTATE);
  if (value) log.debug("TRACEPARENT detected; continuing trace from parent context");
  else log.warn("TRACEPARENT is set but invalid; ignoring trace context");
  return value;
}

/** A span → carrier; `undefined` when the span context is not valid. */
export function spanW3cTraceContext(span: Span | undefined): W3cTraceContext | undefined {
  if (!span || !isSpanContextValid(span.spanContext())) return undefined;
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
  const out: W3cTraceContext = {};
  if (headers.traceparent) out.traceparent = headers.traceparent;
  const tracestate = tracestateMerger ? tracestateMerger(headers.tracestate) : headers.tracestate;
  if (tracestate) out.tracestate = tracestate;
  return out.traceparent ? out : undefined;
}

/** The current span → carrier, or `undefined` when there is no valid current span. */
export function currentSpanW3cTraceContext(): W3cTraceContext | undefined {
  return spanW3cTraceContext(trace.getActiveSpan());
}

/**
 * Writes `traceparent`/`tracestate` headers from a span, replacing existing values and removing
 * a header whose value is absent. Returns false (headers untouched) for an invalid span.
 */
export function injectSpanW3cTraceHeaders(span: Span | undefined, headers: Record<string, string>): boolean {
  const carrier = spanW3cTraceContext(span);
  if (!carrier) return false;
  for (const name of ["traceparent", "tracestate"] as const) {
    const value = carrier[name];
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return true;
}

/** 32-char lowercase hex trace id of the current span, or `undefined`. */
export function currentSpanTraceId(): string | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && isSpanContextValid(sc) ? sc.traceId : undefined;
}
