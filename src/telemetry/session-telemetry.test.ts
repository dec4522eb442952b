import { test } from "node:test";
import assert from "node:assert/strict";
import { InMemoryLogRecordExporter } from "@opentelemetry/sdk-logs";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { configureLogging } from "./log.js";
import type { LogRecord } from "./log-types.js";
import { MetricsClient } from "./metrics-client.js";
import { SessionTelemetry, type SessionTelemetryMetadata } from "./session-telemetry.js";
import { withSpan } from "./span-scope.js";
import { installTelemetry } from "./telemetry-provider.js";

const META: SessionTelemetryMetadata = {
  conversationId: "thr_1",
  model: "gpt-5",
  slug: "gpt-5",
  accountId: "acct",
  accountEmail: "user@example.com",
  authMode: "api_key",
  originator: "vscode",
  serviceName: "billing-bot",
  appVersion: "0.1.0",
  terminalType: "xterm",
  sessionSource: "cli",
};

async function lanes(run: (s: SessionTelemetry) => void, logUserPrompt = false) {
  const logs = new InMemoryLogRecordExporter();
  const spans = new InMemorySpanExporter();
  configureLogging({ filter: "off" });
  const handle = installTelemetry({ exporters: { logs, traces: spans }, processor: "simple" });
  try {
    withSpan("turn", {}, () => run(new SessionTelemetry(META, { logUserPrompt })));
    await handle.forceFlush();
    // In-memory exporters forget everything on shutdown: read first.
    const events = spans.getFinishedSpans().find((s) => s.name === "turn")!.events;
    return { logs: [...logs.getFinishedLogRecords()], events };
  } finally {
    await handle.shutdown();
  }
}

test("otel_export_routing_policy: rich fields only on the log lane, safe subset on the trace lane", async () => {
  const { logs, events } = await lanes((s) => {
    s.userPrompt({ text: "my secret prompt", textInputCount: 1 });
    s.toolResult({
      toolName: "shell",
      callId: "c1",
      arguments: '{"cmd":"ls"}',
      durationMs: 5.9,
      success: false,
      output: "out1\nout2\n",
    });
  });
  const prompt = logs.find((l) => l.attributes["event.name"] === "codex.user_prompt")!;
  assert.equal(prompt.attributes.prompt, "[REDACTED]");
  assert.equal(prompt.attributes["user.email"], "user@example.com");
  const tool = logs.find((l) => l.attributes["event.name"] === "codex.tool_result")!;
  assert.equal(tool.attributes.arguments, '{"cmd":"ls"}');
  assert.equal(tool.attributes.output, "out1\nout2\n");
  assert.equal(tool.attributes.success, "false");
  assert.equal(tool.attributes.duration_ms, 5);

  assert.deepEqual(
    events.map((e) => e.name),
    ["codex.user_prompt", "codex.tool_result"],
  );
  const [p, t] = events.map((e) => e.attributes!);
  assert.equal(p!.prompt_length, 16);
  assert.equal(p!.text_input_count, 1);
  assert.deepEqual(
    { tool_name: t!.tool_name, call_id: t!.call_id, duration_ms: t!.duration_ms, success: t!.success },
    { tool_name: "shell", call_id: "c1", duration_ms: 5, success: "false" },
  );
  assert.equal(t!.arguments_length, 12);
  assert.equal(t!.output_length, 10);
  assert.equal(t!.output_line_count, 2);
  for (const e of events) {
    for (const k of ["prompt", "user.email", "arguments", "output", "error.message"]) {
      assert.ok(!(k in e.attributes!), `${e.name} must not carry ${k} on the trace lane`);
    }
    assert.equal(e.attributes!["conversation.id"], "thr_1");
    assert.equal(e.attributes!.originator, "vscode");
  }
});

test("log_user_prompt = true puts the prompt text on the log lane only", async () => {
  const { logs, events } = await lanes((s) => s.userPrompt({ text: "hello there" }), true);
  assert.equal(logs[0]!.attributes.prompt, "hello there");
  assert.ok(!("prompt" in events[0]!.attributes!));
});

test("error text stays on the log lane for api_request, sse_event and websocket events", async () => {
  const { logs, events } = await lanes((s) => {
    s.apiRequest({ attempt: 2, durationMs: 30, statusCode: 503, error: "boom: secret" });
    s.sseEvent({ kind: "response.completed", durationMs: 3, inputTokenCount: 10, outputTokenCount: 4 });
    s.websocketRequest({ durationMs: 1, success: false, error: "ws secret" });
    s.websocketEvent({ kind: "response.delta", durationMs: 1, success: false, error: "ws secret" });
  });
  assert.equal(
    logs.find((l) => l.attributes["event.name"] === "codex.api_request")!.attributes["error.message"],
    "boom: secret",
  );
  const api = events.find((e) => e.name === "codex.api_request")!.attributes!;
  assert.deepEqual(
    [api.attempt, api.duration_ms, api["http.response.status_code"], api.success],
    [2, 30, 503, false],
  );
  const sse = events.find((e) => e.name === "codex.sse_event")!.attributes!;
  assert.equal(sse.input_token_count, 10);
  assert.ok(!JSON.stringify(events).includes("secret"));
});

test("conversation_starts sends the server list to logs and only its count to traces", async () => {
  const { logs, events } = await lanes((s) =>
    s.conversationStarts({
      providerName: "openai",
      reasoningSummary: "auto",
      approvalPolicy: "on-request",
      sandboxPolicy: "read-only",
      mcpServers: ["a", "b"],
    }),
  );
  assert.equal(logs[0]!.attributes.mcp_servers, "a,b");
  assert.ok(!("mcp_server_count" in logs[0]!.attributes));
  assert.equal(events[0]!.attributes!.mcp_server_count, 2);
  assert.ok(!("mcp_servers" in events[0]!.attributes!));
});

test("the session service_name tag stays distinct from the client identity and the resource service.name", async () => {
  const { logs, events } = await lanes((s) => s.turnTtft(120));
  assert.equal(logs[0]!.attributes.service_name, "billing-bot");
  assert.equal(logs[0]!.attributes.originator, "vscode");
  assert.equal(logs[0]!.resource.attributes["service.name"], "spool");
  assert.equal(events[0]!.attributes!.service_name, "billing-bot");
  assert.equal(events[0]!.attributes!.duration_ms, 120);
});

test("metric helpers merge metadata tags; a failing metric is logged, never thrown", async () => {
  const records: LogRecord[] = [];
  configureLogging({ filter: "warn", sink: (r) => records.push(r) });
  const { client, exporter } = MetricsClient.inMemory();
  const s = new SessionTelemetry(META).withMetrics(client);
  s.counter("codex.thread.started");
  s.counter("bad name!");
  assert.throws(() => new SessionTelemetry(META).startTimer("x"), { name: "MetricsError" });
  s.startTimer("codex.turn.e2e_duration_ms").stop();
  await s.shutdownMetrics();
  const started = exporter
    .getMetrics()
    .at(-1)!
    .scopeMetrics.flatMap((x) => x.metrics)
    .find((m) => m.descriptor.name === "codex.thread.started")!;
  assert.deepEqual(started.dataPoints[0]!.attributes, {
    originator: "vscode",
    model: "gpt-5",
    "app.version": "0.1.0",
    auth_mode: "api_key",
    service_name: "billing-bot",
  });
  assert.equal(records.length, 1);
  assert.match(records[0]!.message, /^metrics \[bad name!\] failed: invalid metric name/);
});

test("with_model returns a copy for another model", () => {
  const s = new SessionTelemetry(META).withModel("o3", "o3");
  assert.equal(s.metadata.model, "o3");
  assert.equal(s.metadata.conversationId, "thr_1");
});
