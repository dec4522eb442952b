import { test } from "node:test";
import assert from "node:assert/strict";
import type { Histogram, MetricData } from "@opentelemetry/sdk-metrics";
import {
  GENAI_METRICS,
  genAiProviderName,
  inferenceRequestAttributes,
  inferenceResultAttributes,
  recordInferenceMetrics,
  type InferenceRecord,
} from "./genai-inference.js";
import { MetricsClient } from "./metrics-client.js";

const REQUEST = {
  providerName: "openai",
  requestModel: "llama3:8b",
  stream: true,
  serverAddress: "api.example.com",
  serverPort: 443,
};

test("provider name: openai for the built-in provider, the provider id otherwise", () => {
  assert.equal(genAiProviderName("openai"), "openai");
  assert.equal(genAiProviderName("ollama"), "ollama");
});

test("request and result attributes use the GenAI keys; absent values stay absent", () => {
  assert.deepEqual(inferenceRequestAttributes({ ...REQUEST, conversationId: "thr_1" }), {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "llama3:8b",
    "gen_ai.request.stream": true,
    "server.address": "api.example.com",
    "server.port": 443,
    "gen_ai.conversation.id": "thr_1",
  });
  assert.ok(!("gen_ai.conversation.id" in inferenceRequestAttributes(REQUEST)));
  assert.deepEqual(
    inferenceResultAttributes({
      durationS: 2,
      responseId: "resp_1",
      responseModel: "llama3:8b-q4",
      finishReasons: ["stop"],
      timeToFirstChunkS: 0.5,
      usage: { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 3, reasoningOutputTokens: 2 },
    }),
    {
      "gen_ai.response.id": "resp_1",
      "gen_ai.response.model": "llama3:8b-q4",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": 10,
      "gen_ai.usage.output_tokens": 5,
      "gen_ai.usage.cache_read.input_tokens": 3,
      "gen_ai.usage.reasoning.output_tokens": 2,
      "gen_ai.response.time_to_first_chunk": 0.5,
    },
  );
  assert.deepEqual(inferenceResultAttributes({ durationS: 1, errorType: "500" }), { "error.type": "500" });
});

async function metricsOf(records: InferenceRecord[]): Promise<Map<string, MetricData>> {
  const { client, exporter } = MetricsClient.inMemory();
  for (const r of records) recordInferenceMetrics(client, r);
  await client.shutdown();
  const out = new Map<string, MetricData>();
  for (const m of exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))) {
    out.set(m.descriptor.name, m);
  }
  return out;
}

test("the gen_ai.client histograms have the conventions' units, buckets and attributes", async () => {
  const metrics = await metricsOf([
    {
      request: REQUEST,
      result: {
        durationS: 1.25,
        timeToFirstChunkS: 0.125,
        responseModel: "llama3:8b-q4",
        usage: { inputTokens: 100, outputTokens: 7, cacheReadInputTokens: 0, reasoningOutputTokens: 0 },
      },
    },
    { request: REQUEST, result: { durationS: 0.05, errorType: "500" } },
  ]);
  const duration = metrics.get("gen_ai.client.operation.duration")!;
  assert.equal(duration.descriptor.unit, "s");
  const points = duration.dataPoints.map((p) => ({ attrs: p.attributes, value: p.value as Histogram }));
  assert.equal(points.length, 2);
  const ok = points.find((p) => p.attrs["error.type"] === undefined)!;
  assert.deepEqual(ok.attrs, {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "llama3:8b", // kept verbatim: `:` is not rewritten
    "server.address": "api.example.com",
    "server.port": 443,
    "gen_ai.response.model": "llama3:8b-q4",
  });
  assert.equal(ok.value.sum, 1.25);
  assert.deepEqual(ok.value.buckets.boundaries, GENAI_METRICS.operationDuration.boundaries);
  const failed = points.find((p) => p.attrs["error.type"] === "500")!;
  assert.equal(failed.value.count, 1);

  const ttfc = metrics.get("gen_ai.client.operation.time_to_first_chunk")!;
  assert.equal(ttfc.dataPoints.length, 1, "no first chunk on the failed call, so no point");
  assert.equal((ttfc.dataPoints[0]!.value as Histogram).sum, 0.125);
  assert.equal(ttfc.dataPoints[0]!.attributes["error.type"], undefined);

  const tokens = metrics.get("gen_ai.client.token.usage")!;
  assert.equal(tokens.descriptor.unit, "{token}");
  const byType = new Map(
    tokens.dataPoints.map((p) => [p.attributes["gen_ai.token.type"], p.value as Histogram]),
  );
  assert.equal(byType.get("input")!.sum, 100);
  assert.equal(byType.get("output")!.sum, 7);
  assert.deepEqual(byType.get("input")!.buckets.boundaries, GENAI_METRICS.tokenUsage.boundaries);
});
