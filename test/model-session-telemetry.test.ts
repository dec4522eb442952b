import { test } from "node:test";
import assert from "node:assert/strict";
import { InMemoryLogRecordExporter } from "@opentelemetry/sdk-logs";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import {
  MetricsClient,
  SessionTelemetry,
  configureLogging,
  installTelemetry,
  withSpan,
} from "../src/telemetry/index.js";
import { ModelClient, sessionModelTelemetry, userMessage } from "../src/model-client/index.js";
import { scriptedModelProvider, startScriptedModelServer } from "../src/model-server/index.js";

test("a model stream's events reach both SessionTelemetry lanes and its metrics carry the session tags", async () => {
  const server = await startScriptedModelServer({
    script: {
      responses: [
        { output: [{ type: "message", text: "hi there" }], usage: { input_tokens: 3, output_tokens: 2 } },
      ],
    },
  });
  const logs = new InMemoryLogRecordExporter();
  const spans = new InMemorySpanExporter();
  configureLogging({ filter: "off" });
  const handle = installTelemetry({ exporters: { logs, traces: spans }, processor: "simple" });
  const { client: metrics, exporter: metricExporter } = MetricsClient.inMemory();
  try {
    const session = new SessionTelemetry(
      {
        conversationId: "thr_9",
        model: "scripted-model",
        slug: "scripted-model",
        originator: "spool_tests",
        appVersion: "0.1.0",
        terminalType: "none",
        sessionSource: "exec",
      },
      { metrics },
    );
    const client = new ModelClient({
      provider: scriptedModelProvider(server.url),
      telemetry: sessionModelTelemetry(session),
    });
    await withSpan("turn", {}, async () => {
      const stream = client.stream({ model: "scripted-model", input: [userMessage("hello")] });
      for await (const _ of stream) void _;
      assert.equal((await stream.outcome).status, "completed");
    });
    await handle.forceFlush();
    const records = logs.getFinishedLogRecords();
    const api = records.find((r) => r.attributes["event.name"] === "codex.api_request");
    assert.ok(api, "codex.api_request on the log lane");
    assert.equal(api.attributes["conversation.id"], "thr_9");
    assert.equal(api.attributes["http.response.status_code"], 200);
    const completed = records.find(
      (r) =>
        r.attributes["event.name"] === "codex.sse_event" &&
        r.attributes["event.kind"] === "response.completed",
    );
    assert.equal(completed?.attributes.input_token_count, 3);
    // Trace-safe events land on the span active when they happen: the model client's attempt span.
    const finished = spans.getFinishedSpans();
    const turn = finished.find((s) => s.name === "turn")!;
    const inTurn = finished.filter((s) => s.spanContext().traceId === turn.spanContext().traceId);
    const names = new Set(inTurn.flatMap((s) => s.events.map((e) => e.name)));
    assert.ok(names.has("codex.api_request") && names.has("codex.sse_event"), [...names].join(","));
    const safe = inTurn.flatMap((s) => s.events).find((e) => e.name === "codex.api_request")!;
    assert.equal(safe.attributes?.["conversation.id"], "thr_9");
    assert.equal(safe.attributes?.["error.message"], undefined);
    await metrics.shutdown();
    const metricNames = metricExporter
      .getMetrics()
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
      .map((m) => m.descriptor.name);
    assert.ok(metricNames.includes("codex.api_request"), metricNames.join(","));
    assert.ok(metricNames.includes("codex.sse_event"), metricNames.join(","));
  } finally {
    await handle.shutdown();
    await server.close();
  }
});
