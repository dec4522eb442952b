import { test } from "node:test";
import assert from "node:assert/strict";
import { MODEL_METRICS, metricsOnlyModelTelemetry } from "./telemetry.js";

test("the metrics-only adapter maps each event to its spec/otel.md §5.1 metrics and each call to the gen_ai.client metrics", () => {
  const seen: [string, string, number, Record<string, string>][] = [];
  const t = metricsOnlyModelTelemetry({
    counter: (n, v, tags) => seen.push(["counter", n, v, tags]),
    histogram: (n, v, tags) => seen.push(["histogram", n, v, tags]),
    recordDuration: (n, v, tags) => seen.push(["duration", n, v, tags]),
    recordHistogram: (i, v, attrs) =>
      seen.push(["genai", i.name, v, { type: String(attrs["gen_ai.token.type"] ?? "") }]),
  });
  t.apiRequest({
    attempt: 1,
    duration_ms: 12,
    "http.response.status_code": 500,
    "error.message": "HTTP 500",
    endpoint: "/responses",
  });
  t.sseEvent({ "event.kind": "response.completed", duration_ms: 3 });
  t.websocketRequest({ duration_ms: 5, success: true });
  t.websocketEvent({ "event.kind": "response.created", duration_ms: 1, success: true });
  t.inference({
    request: {
      providerName: "openai",
      requestModel: "gpt-5",
      stream: true,
      serverAddress: "h",
      serverPort: 443,
    },
    result: {
      durationS: 1.5,
      timeToFirstChunkS: 0.25,
      usage: { inputTokens: 10, outputTokens: 4, cacheReadInputTokens: 0, reasoningOutputTokens: 0 },
    },
  });
  assert.deepEqual(seen, [
    ["counter", "codex.api_request", 1, { status: "500", success: "false" }],
    ["duration", "codex.api_request.duration_ms", 12, { status: "500", success: "false" }],
    ["counter", "codex.sse_event", 1, { kind: "response.completed", success: "true" }],
    ["duration", "codex.sse_event.duration_ms", 3, { kind: "response.completed", success: "true" }],
    ["counter", "codex.websocket.request", 1, { success: "true" }],
    ["duration", "codex.websocket.request.duration_ms", 5, { success: "true" }],
    ["counter", "codex.websocket.event", 1, { kind: "response.created", success: "true" }],
    ["duration", "codex.websocket.event.duration_ms", 1, { kind: "response.created", success: "true" }],
    ["genai", "gen_ai.client.operation.duration", 1.5, { type: "" }],
    ["genai", "gen_ai.client.operation.time_to_first_chunk", 0.25, { type: "" }],
    ["genai", "gen_ai.client.token.usage", 10, { type: "input" }],
    ["genai", "gen_ai.client.token.usage", 4, { type: "output" }],
  ]);
  assert.equal(MODEL_METRICS.startupPrewarmDuration, "codex.startup_prewarm.duration_ms");
});
