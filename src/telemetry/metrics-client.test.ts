import { test } from "node:test";
import assert from "node:assert/strict";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { METRIC, MetricsClient, sanitizeMetricTagValue } from "./metrics-client.js";

function points(all: ResourceMetrics[], name: string) {
  const last = all[all.length - 1]!;
  const metric = last.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  assert.ok(metric, `metric ${name} exported`);
  return metric;
}

test("counters and histograms reach the in-memory exporter on shutdown, with default and call tags", async () => {
  const { client, exporter } = MetricsClient.inMemory({ defaultTags: { service: "spool" } });
  client.counter(METRIC.TOOL_CALL, 1, { tool: "shell", success: "true" });
  client.counter(METRIC.TOOL_CALL, 2, { tool: "shell", success: "true" });
  client.histogram(METRIC.TURN_TOOL_CALL, 3);
  client.recordDuration(METRIC.TOOL_CALL_DURATION, 12.7, { tool: "shell", success: "true" });
  await client.shutdown();
  await client.shutdown();
  const all = exporter.getMetrics();
  const counter = points(all, METRIC.TOOL_CALL);
  assert.equal(counter.dataPoints.length, 1);
  assert.equal(counter.dataPoints[0]!.value, 3);
  assert.deepEqual(counter.dataPoints[0]!.attributes, { service: "spool", tool: "shell", success: "true" });
  const duration = points(all, METRIC.TOOL_CALL_DURATION);
  assert.equal(duration.descriptor.unit, "ms");
  assert.equal((duration.dataPoints[0]!.value as { sum: number }).sum, 12);
  assert.equal(all[0]!.resource.attributes["service.name"], "spool");
});

test("a timer records the elapsed milliseconds once", async () => {
  const { client, exporter } = MetricsClient.inMemory();
  const timer = client.startTimer(METRIC.TURN_E2E_DURATION, { kind: "turn" });
  const first = timer.stop();
  timer.stop();
  assert.ok(first >= 0);
  await client.shutdown();
  const h = points(exporter.getMetrics(), METRIC.TURN_E2E_DURATION);
  assert.equal((h.dataPoints[0]!.value as { count: number }).count, 1);
});

test("invalid names, tags and increments are MetricsErrors and record nothing", async () => {
  const { client, exporter } = MetricsClient.inMemory();
  assert.throws(() => client.counter("bad name"), { name: "MetricsError", message: /invalid metric name/ });
  assert.throws(() => client.counter("ok", 1, { "": "v" }), /invalid tag key/);
  assert.throws(() => client.counter("ok", 1, { k: "has space" }), /invalid value for tag k/);
  assert.throws(() => client.counter("ok", -1), /non-negative integer/);
  assert.throws(() => client.histogram("ok", Number.NaN), /finite/);
  await client.shutdown();
  const names = exporter
    .getMetrics()
    .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name)));
  assert.deepEqual(names, []);
});

test("user-derived tag values are sanitized into the safe charset", () => {
  assert.equal(sanitizeMetricTagValue("gpt 5:mini"), "gpt_5_mini");
  assert.equal(sanitizeMetricTagValue(""), "unspecified");
  assert.equal(sanitizeMetricTagValue("a.b-c/d_e"), "a.b-c/d_e");
});

test("recordHistogram keeps float values and verbatim attributes, merges default tags, rejects bad names and values", async () => {
  const { client, exporter } = MetricsClient.inMemory({ defaultTags: { env_tag: "ci" } });
  const instrument = {
    name: "gen_ai.client.operation.duration",
    unit: "s",
    description: "d",
    valueType: "double" as const,
    boundaries: [0.1, 1],
  };
  client.recordHistogram(instrument, 0.25, { "gen_ai.request.model": "llama3:8b" });
  assert.throws(
    () => client.recordHistogram({ ...instrument, name: "bad name" }, 1, {}),
    /invalid metric name/,
  );
  assert.throws(() => client.recordHistogram(instrument, Number.POSITIVE_INFINITY, {}), /finite/);
  await client.shutdown();
  const metric = exporter
    .getMetrics()
    .at(-1)!
    .scopeMetrics.flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === instrument.name)!;
  assert.equal(metric.descriptor.unit, "s");
  assert.equal(metric.dataPoints.length, 1);
  assert.deepEqual(metric.dataPoints[0]!.attributes, { env_tag: "ci", "gen_ai.request.model": "llama3:8b" });
  assert.deepEqual(
    (metric.dataPoints[0]!.value as { buckets: { boundaries: number[] } }).buckets.boundaries,
    [0.1, 1],
  );
  assert.equal((metric.dataPoints[0]!.value as { sum: number }).sum, 0.25);
});
