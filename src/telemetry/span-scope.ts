import {
  context,
  createContextKey,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanKind,
} from "@opentelemetry/api";
import { installContextPropagation } from "./context-setup.js";
import type { LogFields } from "./log-types.js";
import { SPOOL_VERSION } from "./version.js";

/** One entry of the local log span stack: the span's name and its recorded fields. */
export interface LogSpan {
  readonly name: string;
  readonly fields: LogFields;
  readonly span: Span;
}

/** Stack root → leaf, stored in the OTel context so it follows async work like the span does. */
const STACK_KEY = createContextKey("spool.log_span_stack");

/** The span stack of `ctx` (root → leaf); empty outside any `withSpan`. */
export function logSpanStack(ctx: Context = context.active()): readonly LogSpan[] {
  return (ctx.getValue(STACK_KEY) as LogSpan[] | undefined) ?? EMPTY;
}
const EMPTY: readonly LogSpan[] = Object.freeze([]);

export interface SpanOptions {
  /** Explicit parent; default the active context. */
  parent?: Context;
  kind?: SpanKind;
  /** OTel attributes only (not shown in local logs). */
  attributes?: Attributes;
}

function toAttributes(fields: LogFields): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(fields)) {
    if (k === "otel.name" || v === undefined || v === null) continue;
    out[k] = v;
  }
  return out;
}

/**
 * Starts a span that appears both in the trace (named by `fields["otel.name"]`, else `name`,
 * with `fields` as attributes) and in the local log span stack (`span`/`spans` of every log line
 * emitted inside it). Returns the span and the context to run work in; the caller ends the span.
 */
export function startSpan(
  name: string,
  fields: LogFields = {},
  options: SpanOptions = {},
): { span: Span; context: Context } {
  installContextPropagation();
  const parent = options.parent ?? context.active();
  const otelName = typeof fields["otel.name"] === "string" ? fields["otel.name"] : name;
  const span = trace
    .getTracer("spool", SPOOL_VERSION)
    .startSpan(
      otelName,
      { kind: options.kind, attributes: { ...toAttributes(fields), ...options.attributes } },
      parent,
    );
  const entry: LogSpan = { name, fields: { ...fields }, span };
  const stack = [...logSpanStack(parent), entry];
  return { span, context: trace.setSpan(parent, span).setValue(STACK_KEY, stack) };
}

/**
 * Runs `fn` inside a new span (see `startSpan`); the span ends when `fn` returns or its promise
 * settles, and an exception marks it failed. The API later layers use for dispatch and turn spans.
 *
 * @example
 * await withSpan("turn", { "otel.name": "session_task.turn", "turn.id": id }, async (span) => run());
 */
export function withSpan<T>(
  name: string,
  fields: LogFields,
  fn: (span: Span) => T,
  options: SpanOptions = {},
): T {
  const { span, context: ctx } = startSpan(name, fields, options);
  let result: T;
  try {
    result = context.with(ctx, fn, undefined, span);
  } catch (err) {
    recordFailure(span, err);
    span.end();
    throw err;
  }
  if (result instanceof Promise) {
    return result.then(
      (v) => {
        span.end();
        return v;
      },
      (err: unknown) => {
        recordFailure(span, err);
        span.end();
        throw err;
      },
    ) as T;
  }
  span.end();
  return result;
}

/**
 * Marks the span failed with the error's type only: error text can quote prompts, output or
 * paths, and the trace lane carries no free text (otel.md §3). The message goes to the log lane.
 */
function recordFailure(span: Span, err: unknown): void {
  span.setStatus({ code: 2 });
  span.setAttribute("error.type", err instanceof Error ? err.name : typeof err);
}

/**
 * Records fields on the innermost `withSpan` span of the active context: they appear on later
 * log lines' `span`/`spans` and as attributes of the exported span.
 */
export function recordSpanFields(fields: LogFields): void {
  const stack = logSpanStack();
  const top = stack[stack.length - 1];
  if (!top) return;
  Object.assign(top.fields as Record<string, unknown>, fields);
  top.span.setAttributes(toAttributes(fields));
}
