import { test } from "node:test";
import assert from "node:assert/strict";
import { startOtlpReceiver, type OtlpCollector, type ReceivedLog } from "../src/otlp-receiver/index.js";
import { startOtlpGrpcReceiver } from "./support/otlp-grpc-receiver.js";
import { spawnTelemetryChild, tempHome } from "./support/telemetry-child.js";

function httpConfig(url: string, protocol: "json" | "binary"): string {
  return `
[otel]
environment = "staging"
span_attributes = { "team.name" = "infra" }
tracestate = { vendor = { tenant = "a" } }

[otel.exporter."otlp-http"]
endpoint = "${url}/v1/logs"
protocol = "${protocol}"
headers = { "x-otlp-api-key" = "\${OTLP_TOKEN}" }

[otel.trace_exporter."otlp-http"]
endpoint = "${url}/v1/traces"
protocol = "${protocol}"

[otel.metrics_exporter."otlp-http"]
endpoint = "${url}/v1/metrics"
protocol = "${protocol}"
`;
}

/** The contract of Codex's otel_export_routing_policy test, read back from a real export. */
function assertRoutingContract(c: OtlpCollector): void {
  const logOf = (name: string): ReceivedLog => {
    const l = c.logs.find((r) => r.attributes["event.name"] === name);
    assert.ok(l, `log record ${name} exported`);
    return l;
  };
  const prompt = logOf("codex.user_prompt");
  assert.equal(prompt.attributes.prompt, "[REDACTED]", "prompt text is redacted unless log_user_prompt");
  assert.equal(prompt.attributes.prompt_length, "please read my secret prompt".length);
  assert.equal(prompt.attributes["user.email"], "user@example.com");
  assert.equal(prompt.scope, "codex_otel.log_only");
  const tool = logOf("codex.tool_result");
  assert.equal(tool.attributes.arguments, '{"cmd":"cat secret.txt"}');
  assert.equal(tool.attributes.output, "the secret output\nsecond line");
  assert.equal(logOf("codex.api_request").attributes["error.message"], "upstream secret error text");
  // The trace-safe family never reaches the log lane; local targets are never exported.
  assert.ok(
    c.logs.every((l) => l.scope.startsWith("codex_otel") && !l.scope.startsWith("codex_otel.trace_safe")),
  );
  assert.ok(!c.logs.some((l) => l.body === "tool call completed"));

  const turn = c.spans.find((s) => s.name === "session_task.turn");
  assert.ok(turn, "turn span exported under its otel.name");
  const events = Object.fromEntries(turn.events.map((e) => [e.name, e.attributes]));
  const promptEvent = events["codex.user_prompt"];
  const toolEvent = events["codex.tool_result"];
  const apiEvent = events["codex.api_request"];
  assert.ok(promptEvent && toolEvent && apiEvent, "trace-safe events are span events on the active span");
  assert.equal(promptEvent.prompt_length, "please read my secret prompt".length);
  assert.equal(toolEvent.arguments_length, '{"cmd":"cat secret.txt"}'.length);
  assert.equal(toolEvent.output_length, "the secret output\nsecond line".length);
  assert.equal(toolEvent.output_line_count, 2);
  assert.equal(toolEvent.call_id, "call_1");
  assert.equal(toolEvent.duration_ms, 12);
  for (const e of turn.events) {
    for (const forbidden of ["prompt", "user.email", "arguments", "output", "error.message"]) {
      assert.ok(!(forbidden in e.attributes), `${e.name} on the trace lane must not carry ${forbidden}`);
    }
    const text = JSON.stringify(e.attributes);
    assert.ok(!/secret/.test(text), `no secret text on the trace lane: ${text}`);
  }
}

async function runChildAgainst(
  c: OtlpCollector & { url: string },
  config: string,
): Promise<Record<string, unknown>> {
  const child = spawnTelemetryChild(tempHome(config), { OTLP_TOKEN: "tok-123" });
  const ready = await child.next();
  assert.deepEqual(ready, { ready: true, traces: true, logs: true, metrics: true });
  const done = await child.send("shutdown");
  assert.equal(await child.exited, 0, child.stderr());
  await c.waitFor((x) => x.spans.length > 0 && x.logs.length > 0 && x.metrics.length > 0, 5000);
  return done;
}

for (const protocol of ["json", "binary"] as const) {
  test(`http/${protocol === "json" ? "json" : "protobuf"}: traces, logs and metrics reach the receiver with the routing contract`, async () => {
    const receiver = await startOtlpReceiver();
    try {
      const done = await runChildAgainst(receiver, httpConfig(receiver.url, protocol));
      assert.deepEqual(done.dropped, { traces: 0, logs: 0, metrics: 0 });
      const expectedType = protocol === "json" ? "application/json" : "application/x-protobuf";
      assert.ok(receiver.requests.every((r) => r.contentType === expectedType));
      const logReq = receiver.requests.find((r) => r.path === "/v1/logs");
      assert.equal(logReq?.headers["x-otlp-api-key"], "tok-123", "${VAR} in headers is expanded");
      assertRoutingContract(receiver);

      const turn = receiver.spans.find((s) => s.name === "session_task.turn")!;
      const loop = receiver.spans.find((s) => s.name === "session_loop")!;
      assert.equal(turn.parentSpanId, loop.spanId);
      assert.deepEqual(
        [...new Set(receiver.spans.map((s) => s.name))].sort(),
        ["session_loop", "session_task.turn"],
        "exporting is not itself traced",
      );
      assert.equal(turn.attributes["team.name"], "infra", "span_attributes stamped at start");
      assert.equal(turn.attributes["turn.id"], "turn_1");
      assert.equal(turn.resource["service.name"], "spool");
      assert.equal(turn.resource.env, "staging");
      assert.ok(!("host.name" in turn.resource), "traces resource has no host name");
      const log = receiver.logs[0]!;
      assert.equal(typeof log.resource["host.name"], "string");
      assert.equal(log.traceId, turn.traceId, "log records carry the active trace context");

      const started = receiver.metrics.find((m) => m.name === "codex.thread.started");
      assert.equal(started?.type, "sum");
      assert.equal(started?.points[0]?.value, 1);
      assert.equal(started?.points[0]?.attributes.originator, "spool-test-client");
      assert.equal(started?.points[0]?.attributes.service_name, "my-service");
      const toolDuration = receiver.metrics.find((m) => m.name === "codex.tool.call.duration_ms");
      assert.equal(toolDuration?.type, "histogram");
      assert.equal(toolDuration?.unit, "ms");
      assert.equal(toolDuration?.points[0]?.attributes.tool, "shell");
    } finally {
      await receiver.close();
    }
  });
}

test("otlp-grpc: traces, logs and metrics reach a gRPC receiver with headers as metadata", async () => {
  const receiver = await startOtlpGrpcReceiver();
  try {
    const config = `
[otel]
exporter = { otlp-grpc = { endpoint = "${receiver.url}", headers = { "x-otlp-meta" = "abc123" } } }
trace_exporter = { otlp-grpc = { endpoint = "${receiver.url}" } }
metrics_exporter = { otlp-grpc = { endpoint = "${receiver.url}" } }
`;
    await runChildAgainst(receiver, config);
    const logReq = receiver.requests.find((r) => r.path === "/v1/logs");
    assert.equal(logReq?.headers["x-otlp-meta"], "abc123");
    assert.ok(receiver.requests.every((r) => r.contentType === "application/grpc"));
    assertRoutingContract(receiver);
  } finally {
    await receiver.close();
  }
});

test("log_user_prompt = true puts the raw prompt on the log lane, never on the trace lane", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const config = httpConfig(receiver.url, "json").replace("[otel]\n", "[otel]\nlog_user_prompt = true\n");
    await runChildAgainst(receiver, config);
    const prompt = receiver.logs.find((r) => r.attributes["event.name"] === "codex.user_prompt");
    assert.equal(prompt?.attributes.prompt, "please read my secret prompt");
    const events = receiver.spans.flatMap((s) => s.events);
    assert.ok(events.some((e) => e.name === "codex.user_prompt"));
    assert.ok(!JSON.stringify(events).includes("secret prompt"));
  } finally {
    await receiver.close();
  }
});

test("OTEL_* variables enable an exporter [otel] leaves at none; OTEL_SDK_DISABLED turns all off", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const home = tempHome(`[otel]\nenvironment = "dev"\n`);
    const child = spawnTelemetryChild(home, {
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "spool-from-env",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.region=eu-1",
    });
    assert.deepEqual(await child.next(), { ready: true, traces: true, logs: false, metrics: false });
    await child.send("shutdown");
    await receiver.waitForSpans((s) => s.some((x) => x.name === "session_task.turn"), 5000);
    const span = receiver.spans[0]!;
    assert.equal(span.resource["service.name"], "spool-from-env");
    assert.equal(span.resource["deployment.region"], "eu-1");

    const off = spawnTelemetryChild(tempHome(httpConfig(receiver.url, "json")), {
      OTLP_TOKEN: "x",
      OTEL_SDK_DISABLED: "true",
    });
    assert.deepEqual(await off.next(), { ready: true, traces: false, logs: false, metrics: false });
    await off.send("shutdown");
  } finally {
    await receiver.close();
  }
});

test("invalid [otel] settings fail at start naming the key, and nothing is exported", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const bad = httpConfig(receiver.url, "json").replace('protocol = "json"', 'protocol = "xml"');
    const child = spawnTelemetryChild(tempHome(bad), { OTLP_TOKEN: "x" });
    const out = await child.next();
    assert.equal(await child.exited, 2);
    assert.match(String(out.error), /config\.toml:\d+: otel\.exporter\.otlp-http\.protocol/);
    const unset = spawnTelemetryChild(tempHome(httpConfig(receiver.url, "json")));
    const out2 = await unset.next();
    assert.match(
      String(out2.error),
      /otel\.exporter\.otlp-http\.headers\.x-otlp-api-key: environment variable OTLP_TOKEN is not set/,
    );
    assert.equal(receiver.requests.length, 0);
  } finally {
    await receiver.close();
  }
});
