import { test } from "node:test";
import assert from "node:assert/strict";
import { ROOT_CONTEXT, context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { configureLogging, type LogRecord } from "./log.js";
import {
  contextFromTraceHeaders,
  currentSpanTraceId,
  currentSpanW3cTraceContext,
  injectSpanW3cTraceHeaders,
  captureEnvTraceContext,
  traceparentContextFromEnv,
} from "./trace-context.js";
import { installTelemetry } from "./telemetry-provider.js";

installTelemetry({ exporters: { traces: new InMemorySpanExporter() }, processor: "simple", env: {} });
const tracer = trace.getTracer("spool-test");

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";

test("a valid traceparent yields a remote parent with its trace state", () => {
  const ctx = contextFromTraceHeaders(`00-${TRACE}-${SPAN}-01`, "vendor=value");
  const sc = trace.getSpanContext(ctx!)!;
  assert.equal(sc.traceId, TRACE);
  assert.equal(sc.spanId, SPAN);
  assert.equal(sc.isRemote, true);
  assert.equal(sc.traceState?.get("vendor"), "value");
});

test("malformed, version ff, all-zero ids and uppercase hex are not valid carriers", () => {
  for (const bad of [
    "garbage",
    `ff-${TRACE}-${SPAN}-01`,
    `00-${"0".repeat(32)}-${SPAN}-01`,
    `00-${TRACE}-${"0".repeat(16)}-01`,
    `00-${TRACE.toUpperCase()}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}`,
    "",
  ]) {
    assert.equal(contextFromTraceHeaders(bad), undefined, bad);
  }
});

test("a tracestate-only carrier gives no context; a bad tracestate does not spoil a good traceparent", () => {
  assert.equal(contextFromTraceHeaders(undefined, "vendor=value"), undefined);
  assert.equal(contextFromTraceHeaders(null, "vendor=value"), undefined);
  const ctx = contextFromTraceHeaders(`00-${TRACE}-${SPAN}-01`, "not a tracestate ===");
  assert.equal(trace.getSpanContext(ctx!)!.traceId, TRACE);
});

test("TRACEPARENT is read once per installation and an invalid one warns exactly once", () => {
  const records: LogRecord[] = [];
  configureLogging({ filter: "warn", sink: (r) => records.push(r) });
  assert.equal(captureEnvTraceContext({ TRACEPARENT: "00-bad" }), undefined);
  for (let i = 0; i < 3; i++) assert.equal(traceparentContextFromEnv(), undefined, "remembered");
  assert.equal(
    records.filter((r) => r.message === "TRACEPARENT is set but invalid; ignoring trace context").length,
    1,
  );
  captureEnvTraceContext({ TRACEPARENT: `00-${TRACE}-${SPAN}-01`, TRACESTATE: "a=b" });
  const ok = traceparentContextFromEnv();
  assert.equal(trace.getSpanContext(ok!)!.traceState?.get("a"), "b");
  captureEnvTraceContext({});
  assert.equal(traceparentContextFromEnv(), undefined);
});

test("the current span serializes to a carrier; with no span there is none", () => {
  assert.equal(currentSpanW3cTraceContext(), undefined);
  assert.equal(currentSpanTraceId(), undefined);
  const parent = contextFromTraceHeaders(`00-${TRACE}-${SPAN}-01`, "vendor=value")!;
  const span = tracer.startSpan("x", {}, parent);
  context.with(trace.setSpan(ROOT_CONTEXT, span), () => {
    const carrier = currentSpanW3cTraceContext()!;
    assert.equal(carrier.traceparent, `00-${TRACE}-${span.spanContext().spanId}-01`);
    assert.equal(carrier.tracestate, "vendor=value");
    assert.equal(currentSpanTraceId(), TRACE);
  });
  span.end();
});

test("injecting headers replaces stale values and removes an absent tracestate", () => {
  const span = tracer.startSpan("y", {}, ROOT_CONTEXT);
  const headers: Record<string, string> = { traceparent: "stale", tracestate: "stale=1", other: "kept" };
  assert.equal(injectSpanW3cTraceHeaders(span, headers), true);
  assert.equal(headers.traceparent, `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
  assert.equal(headers.tracestate, undefined);
  assert.equal(headers.other, "kept");
  const untouched = { traceparent: "keep" };
  assert.equal(
    injectSpanW3cTraceHeaders(
      trace.wrapSpanContext({ traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 }),
      untouched,
    ),
    false,
  );
  assert.deepEqual(untouched, { traceparent: "keep" });
  span.end();
});
