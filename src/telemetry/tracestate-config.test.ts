import { test } from "node:test";
import assert from "node:assert/strict";
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { mergeConfiguredTracestate, validateConfiguredTracestate } from "./tracestate-config.js";
import { installTelemetry } from "./telemetry-provider.js";
import { defaultOtelSettings } from "./settings.js";
import { currentSpanW3cTraceContext } from "./trace-context.js";
import { withSpan } from "./span-scope.js";
import { configureLogging } from "./log.js";
import type { LogRecord } from "./log-types.js";

test("configured members are encoded as sorted field:value pairs and put first in sorted order", () => {
  const out = mergeConfiguredTracestate(undefined, { zeta: { b: "2", a: "1" }, alpha: { x: "y" } });
  assert.equal(out, "alpha=x:y,zeta=a:1;b:2");
});

test("merge replaces configured fields in place, keeps unknown fields, appends new ones, moves the member first", () => {
  const out = mergeConfiguredTracestate("other=1,vendor=tenant:old;keep:me", {
    vendor: { tenant: "a", region: "eu" },
  });
  assert.equal(out, "vendor=tenant:a;keep:me;region:eu,other=1");
});

test("an invalid incoming tracestate is dropped with one warning and only the configured members remain", () => {
  const warnings: LogRecord[] = [];
  const restore = configureLogging({ filter: "warn", sink: (r) => warnings.push(r) });
  try {
    assert.equal(mergeConfiguredTracestate("BAD KEY=1,ok=2", { vendor: { t: "a" } }), "vendor=t:a");
  } finally {
    restore();
  }
  assert.deepEqual(
    warnings.map((w) => w.message),
    ["ignoring invalid tracestate while propagating trace context: BAD KEY=1,ok=2"],
  );
});

test("nothing configured and nothing incoming gives no tracestate header", () => {
  assert.equal(mergeConfiguredTracestate(undefined, {}), undefined);
  assert.equal(mergeConfiguredTracestate("", {}), undefined);
});

test("validation rejects bad member keys, field keys and values, naming the key", () => {
  assert.throws(
    () => validateConfiguredTracestate({ "Bad Key": { a: "1" } }),
    /otel\.tracestate\.Bad Key: not a valid/,
  );
  assert.throws(
    () => validateConfiguredTracestate({ v: { "a:b": "1" } }),
    /otel\.tracestate\.v\.a:b: field keys/,
  );
  assert.throws(
    () => validateConfiguredTracestate({ v: { a: "x;y" } }),
    /otel\.tracestate\.v\.a: field values/,
  );
  assert.throws(() => validateConfiguredTracestate({ v: { a: "x=y" } }), /field values/);
  assert.throws(() => validateConfiguredTracestate({ v: { a: "trailing " } }), /encoded value/);
  assert.doesNotThrow(() => validateConfiguredTracestate({ "vendor@sys": { tenant: "a b" } }));
});

test("installed telemetry merges configured tracestate into every propagated carrier", async () => {
  const handle = installTelemetry({
    settings: { ...defaultOtelSettings(), tracestate: { vendor: { tenant: "a" } } },
    exporters: { traces: new InMemorySpanExporter() },
    processor: "simple",
  });
  try {
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: new TraceState("upstream=1"),
    });
    const carrier = withSpan("req", {}, () => currentSpanW3cTraceContext(), { parent });
    assert.match(carrier!.traceparent!, /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    assert.equal(carrier!.tracestate, "vendor=tenant:a,upstream=1");
  } finally {
    await handle.shutdown();
  }
  const after = withSpan("req", {}, () => currentSpanW3cTraceContext());
  assert.equal(after, undefined, "no provider, no valid span, no carrier");
});

test("invalid tracestate config fails installation before anything is installed", () => {
  assert.throws(
    () =>
      installTelemetry({
        settings: { ...defaultOtelSettings(), tracestate: { "Bad Key": { a: "1" } } },
        exporters: { traces: new InMemorySpanExporter() },
      }),
    { name: "TelemetryConfigError" },
  );
  assert.equal(trace.getTracerProvider().getTracer("x").startSpan("s").isRecording(), false);
});
