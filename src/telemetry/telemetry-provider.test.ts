import { test } from "node:test";
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { LogRecordExporter, ReadableLogRecord } from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  type PushMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { configureLogging, logger } from "./log.js";
import type { LogRecord } from "./log-types.js";
import { defaultOtelSettings } from "./settings.js";
import { withSpan } from "./span-scope.js";
import { installTelemetry } from "./telemetry-provider.js";

function warnings(): LogRecord[] {
  const out: LogRecord[] = [];
  configureLogging({ filter: "warn", sink: (r) => out.push(r) });
  return out;
}

test("shutdown flushes traces, then metrics, then logs, and is idempotent", async () => {
  const order: string[] = [];
  const spans: SpanExporter = {
    export: (s: ReadableSpan[], cb: (r: ExportResult) => void) => {
      order.push(`traces:${s.length}`);
      cb({ code: ExportResultCode.SUCCESS });
    },
    shutdown: async () => {},
  };
  const inner = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const metrics: PushMetricExporter = {
    export: (m: ResourceMetrics, cb: (r: ExportResult) => void) => {
      order.push("metrics");
      inner.export(m, cb);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const logs: LogRecordExporter = {
    export: (l: ReadableLogRecord[], cb: (r: ExportResult) => void) => {
      order.push(`logs:${l.length}`);
      cb({ code: ExportResultCode.SUCCESS });
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  configureLogging({ filter: "off" });
  const t = installTelemetry({ exporters: { traces: spans, metrics, logs } });
  withSpan("s", {}, () => logger("codex_otel.log_only").info("e", { "event.name": "x" }));
  t.metrics!.counter("codex.thread.started");
  const first = t.shutdown();
  assert.equal(t.shutdown(), first, "the same promise every time");
  await first;
  assert.deepEqual(order, ["traces:1", "metrics", "logs:1"]);
});

test("shutdown is bounded even when the exporter never answers", async () => {
  const log = warnings();
  const hanging: SpanExporter = { export: () => {}, shutdown: () => new Promise(() => {}) };
  const t = installTelemetry({ exporters: { traces: hanging } });
  for (let i = 0; i < 5; i++) withSpan("s", {}, () => {});
  const t0 = performance.now();
  await t.shutdown(300);
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `took ${ms} ms`);
  assert.equal(t.dropped().traces, 5);
  const w = log.filter((r) => r.target === "spool_otel::exporter");
  assert.equal(w.length, 1);
  assert.equal(w[0]!.fields!.dropped, 5);
});

test("spans a full queue refuses are counted as dropped, with the signal's one warning", async () => {
  const log = warnings();
  const stuck: SpanExporter = { export: () => {}, shutdown: async () => {} };
  const t = installTelemetry({
    exporters: { traces: stuck },
    batch: { maxQueueSize: 10, maxExportBatchSize: 10, scheduledDelayMillis: 3_600_000 },
  });
  for (let i = 0; i < 25; i++) withSpan("s", { i }, () => {});
  await t.shutdown(200);
  // Whatever was in flight, queued or refused by the full queue: all 25 are accounted for.
  assert.equal(t.dropped().traces, 25);
  assert.equal(log.filter((r) => r.target === "spool_otel::exporter").length, 1);
});

test("an exporter that throws is contained: the caller never sees it", async () => {
  const log = warnings();
  const throwing: SpanExporter = {
    export: () => {
      throw new Error("kaboom");
    },
    shutdown: async () => {},
  };
  const t = installTelemetry({ exporters: { traces: throwing }, processor: "simple" });
  assert.doesNotThrow(() => withSpan("s", {}, () => {}));
  await t.shutdown();
  assert.equal(t.dropped().traces, 1);
  assert.match(String(log.find((r) => r.target === "spool_otel::exporter")?.fields?.error), /kaboom/);
});

test("resources: service.name overridable, service.version, env; span_attributes on every span", async () => {
  const exporter = new InMemorySpanExporter();
  const t = installTelemetry({
    settings: { ...defaultOtelSettings(), environment: "prod", spanAttributes: { team: "infra" } },
    serviceName: "spool-custom",
    exporters: { traces: exporter },
    processor: "simple",
  });
  try {
    trace.getTracer("other").startSpan("raw").end();
    withSpan("mine", { k: "v" }, () => {});
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(
      spans.map((s) => [s.name, s.attributes.team]),
      [
        ["raw", "infra"],
        ["mine", "infra"],
      ],
    );
    const r = spans[0]!.resource.attributes;
    assert.equal(r["service.name"], "spool-custom");
    assert.equal(r.env, "prod");
    assert.equal(typeof r["service.version"], "string");
  } finally {
    await t.shutdown();
  }
});

test("an empty span_attributes key fails installation and leaves tracing untouched", () => {
  assert.throws(
    () =>
      installTelemetry({
        settings: { ...defaultOtelSettings(), spanAttributes: { " ": "x" } },
        exporters: { traces: new InMemorySpanExporter() },
      }),
    { name: "TelemetryConfigError", message: /otel\.span_attributes: keys must be non-empty/ },
  );
  assert.equal(trace.getTracer("x").startSpan("s").isRecording(), false);
});

test("with every exporter off nothing is installed and spans do not record", async () => {
  const t = installTelemetry({ settings: defaultOtelSettings(), env: {} });
  assert.deepEqual(
    [t.tracesEnabled, t.logsEnabled, t.metricsEnabled, t.metrics],
    [false, false, false, undefined],
  );
  withSpan("s", {}, (span) => assert.equal(span.isRecording(), false));
  await t.shutdown();
});
