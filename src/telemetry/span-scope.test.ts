import { test } from "node:test";
import assert from "node:assert/strict";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { withSpan } from "./span-scope.js";
import { installTelemetry } from "./telemetry-provider.js";

test("a span whose work throws is marked failed without the error's text", async () => {
  const traces = new InMemorySpanExporter();
  const handle = installTelemetry({ exporters: { traces }, processor: "simple" });
  try {
    assert.throws(() =>
      withSpan("sync_work", {}, () => {
        throw new TypeError("secret prompt text");
      }),
    );
    await assert.rejects(
      withSpan("async_work", {}, async () => {
        throw new Error("tool output /home/me/.ssh/id_rsa");
      }),
    );
    const spans = traces.getFinishedSpans();
    assert.deepEqual(
      spans.map((s) => [s.name, s.status.code, s.status.message, s.attributes["error.type"]]),
      [
        ["sync_work", 2, undefined, "TypeError"],
        ["async_work", 2, undefined, "Error"],
      ],
    );
    assert.doesNotMatch(JSON.stringify(spans.map((s) => [s.attributes, s.events])), /secret|id_rsa/);
  } finally {
    await handle.shutdown();
  }
});
