import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, trace } from "@opentelemetry/api";
import {
  MODEL_METRICS,
  MalformedEventError,
  ModelClient,
  userMessage,
  type ModelClientTelemetry,
  type ModelProvider,
} from "../src/model-client/index.js";
import {
  scriptedModelProvider,
  startScriptedModelServer,
  type ModelScriptInput,
  type ScriptedModelServer,
} from "../src/model-server/index.js";
import { useInMemoryTracing } from "./support/in-memory-tracing.js";
import { recordingTelemetry } from "./support/model-telemetry.js";

const servers: ScriptedModelServer[] = [];
const clients: ModelClient[] = [];
async function serve(script: ModelScriptInput): Promise<ScriptedModelServer> {
  const s = await startScriptedModelServer({ script });
  servers.push(s);
  return s;
}
function wsClient(
  server: ScriptedModelServer,
  overrides: Partial<ModelProvider> = {},
  telemetry?: ModelClientTelemetry,
) {
  const c = new ModelClient({
    provider: scriptedModelProvider(server.url, { supportsWebsockets: true, ...overrides }),
    telemetry,
    random: () => 0.5,
  });
  clients.push(c);
  return c;
}
const text = (t: string) => ({ output: [{ type: "message" as const, text: t }] });
const req = () => ({ model: "scripted-model", instructions: "be brief", input: [userMessage("hello")] });

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.close()));
});

describe("model client over WebSocket", () => {
  test("a response streams over WebSocket with the same events, and upstreamRequestId is null", async () => {
    const server = await serve({ responses: [text("hello over a socket")] });
    const telemetry = recordingTelemetry();
    const client = wsClient(server, {}, telemetry);
    const stream = client.stream(req());
    const deltas: string[] = [];
    for await (const ev of stream) if (ev.type === "response.output_text.delta") deltas.push(ev.delta);
    const outcome = await stream.outcome;
    assert.equal(outcome.status, "completed");
    assert.equal(outcome.transport, "responses_websocket");
    assert.equal(outcome.upstreamRequestId, null);
    assert.equal(stream.upstreamRequestId, null);
    assert.equal(outcome.responseId, "resp_1");
    assert.equal(deltas.join(""), "hello over a socket");
    const entry = server.requests[0]!;
    assert.equal(entry.transport, "websocket");
    assert.equal(entry.headers["openai-beta"], "responses_websockets=2026-02-06");
    const body = entry.body as Record<string, unknown>;
    assert.equal(body.type, "response.create");
    assert.equal(body.model, "scripted-model");
    assert.equal("stream" in body, false, "stream is implicit over WebSocket");
    assert.equal("generate" in body, false);
    const wsReq = telemetry.calls
      .filter((c) => c.method === "websocketRequest")
      .map((c) => c.args[0] as Record<string, unknown>);
    assert.equal(wsReq.length, 1);
    assert.equal(wsReq[0]!.success, true);
    const wsEvents = telemetry.calls
      .filter((c) => c.method === "websocketEvent")
      .map((c) => c.args[0] as Record<string, unknown>);
    assert.equal(wsEvents[0]!["event.kind"], "response.created");
    assert.ok(wsEvents.every((e) => e.success === true));
    assert.equal(telemetry.calls.filter((c) => c.method === "apiRequest").length, 0);
  });

  test("the startup prewarm sends generate:false, resolves Ready, and the turn reuses its connection", async () => {
    const server = await serve({ responses: [text("first turn"), text("second turn")] });
    const telemetry = recordingTelemetry();
    const client = wsClient(server, {}, telemetry);
    client.startPrewarm(req());
    const resolution = await client.consumePrewarm();
    assert.deepEqual(resolution, { kind: "ready", responseId: "resp_1" });
    const warm = server.requests[0]!;
    assert.equal(warm.warmup, true);
    assert.equal((warm.body as { generate?: unknown }).generate, false);
    assert.equal((warm.body as { instructions?: unknown }).instructions, "be brief");
    const first = await client.stream({ ...req(), previousResponseId: "resp_1", input: [] }).collect();
    assert.equal(first.status, "completed");
    const second = await client.stream(req()).collect();
    assert.equal(second.status, "completed");
    assert.deepEqual(
      server.requests.map((r) => r.connection),
      [1, 1, 1],
      "warm-up and both turns share one socket",
    );
    assert.equal(
      (server.requests[1]!.body as { previous_response_id?: unknown }).previous_response_id,
      "resp_1",
    );
    const durations = telemetry.calls
      .filter((c) => c.method === "recordDuration")
      .map((c) => [c.args[0], c.args[2]]);
    assert.deepEqual(durations, [
      [MODEL_METRICS.startupPrewarmDuration, { status: "ready" }],
      [MODEL_METRICS.startupPrewarmAgeAtFirstTurn, { outcome: "ready" }],
    ]);
    assert.equal(MODEL_METRICS.startupPrewarmDuration, "codex.startup_prewarm.duration_ms");
    assert.equal(MODEL_METRICS.startupPrewarmAgeAtFirstTurn, "codex.startup_prewarm.age_at_first_turn_ms");
  });

  test("a prewarm whose handshake never completes resolves Unavailable at the timeout; the turn succeeds over HTTP", async () => {
    const server = await serve({
      responses: [text("served over SSE"), text("still SSE")],
      websocket: { handshake: "hang" },
    });
    const telemetry = recordingTelemetry();
    const client = wsClient(server, { websocketConnectTimeoutMs: 300 }, telemetry);
    const started = performance.now();
    client.startPrewarm(req());
    const resolution = await client.consumePrewarm();
    const elapsed = performance.now() - started;
    assert.equal(resolution.kind, "unavailable");
    if (resolution.kind === "unavailable") assert.equal(resolution.status, "timeout");
    assert.ok(elapsed >= 280 && elapsed < 1500, `resolved after ${elapsed} ms`);
    const outcome = await client.stream(req()).collect();
    assert.equal(outcome.status, "completed");
    assert.equal(outcome.transport, "responses_http");
    assert.equal(outcome.upstreamRequestId, "req_1");
    assert.equal(client.transport, "responses_http", "the fallback is sticky");
    assert.equal((await client.stream(req()).collect()).transport, "responses_http");
    assert.deepEqual(
      server.requests.map((r) => r.transport),
      ["http", "http"],
    );
    const durations = telemetry.calls
      .filter((c) => c.method === "recordDuration")
      .map((c) => [c.args[0], c.args[2]]);
    assert.deepEqual(durations, [
      [MODEL_METRICS.startupPrewarmDuration, { status: "timeout" }],
      [MODEL_METRICS.startupPrewarmAgeAtFirstTurn, { outcome: "unavailable" }],
    ]);
  });

  test("aborting while the warm-up is pending resolves Cancelled within 100 ms and sends no request", async () => {
    const server = await serve({ responses: [text("never")], websocket: { handshake: "hang" } });
    const telemetry = recordingTelemetry();
    const client = wsClient(server, { websocketConnectTimeoutMs: 15_000 }, telemetry);
    client.startPrewarm(req());
    const controller = new AbortController();
    const pending = client.consumePrewarm(controller.signal);
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort(new Error("turn interrupted"));
    }, 50).unref();
    const resolution = await pending;
    const latency = performance.now() - abortedAt;
    assert.ok(abortedAt > 0, "resolved only after the abort");
    assert.equal(resolution.kind, "cancelled");
    if (resolution.kind === "cancelled")
      assert.equal((resolution.reason as Error).message, "turn interrupted");
    assert.ok(latency < 100, `cancelled ${latency.toFixed(1)} ms after the abort`);
    assert.equal(server.requests.length, 0);
    const age = telemetry.calls.find((c) => c.args[0] === MODEL_METRICS.startupPrewarmAgeAtFirstTurn);
    assert.deepEqual(age?.args[2], { outcome: "cancelled" });
  });

  test("a turn stream aborted during the warm-up ends cancelled promptly", async () => {
    const server = await serve({ responses: [text("never")], websocket: { handshake: "hang" } });
    const client = wsClient(server, { websocketConnectTimeoutMs: 15_000 });
    client.startPrewarm(req());
    const controller = new AbortController();
    const stream = client.stream(req(), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 30));
    const t0 = performance.now();
    controller.abort(new Error("interrupt"));
    const outcome = await stream.outcome;
    assert.ok(performance.now() - t0 < 100, "cancelled within 100 ms of the abort");
    assert.equal(outcome.status, "cancelled");
    assert.equal(server.requests.length, 0);
  });

  test("closing the client stops a pending prewarm at once", async () => {
    const server = await serve({ responses: [], websocket: { handshake: "hang" } });
    const client = wsClient(server, { websocketConnectTimeoutMs: 15_000 });
    client.startPrewarm(req());
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    await client.close();
    assert.ok(performance.now() - t0 < 500, "close does not wait for the connect timeout");
    const r = await client.consumePrewarm();
    assert.equal(r.kind, "unavailable");
  });

  test("a rejected handshake (426) falls back to HTTP for the session", async () => {
    const server = await serve({ responses: [text("http it is")], websocket: { handshake: "reject" } });
    const client = wsClient(server);
    const outcome = await client.stream(req()).collect();
    assert.equal(outcome.status, "completed");
    assert.equal(outcome.transport, "responses_http");
    assert.equal(client.transport, "responses_http");
  });

  test("aborting a WebSocket stream mid-response closes the socket", async () => {
    const server = await serve({
      responses: [{ ...text("a slow answer streaming over the socket"), event_delay_ms: 15 }],
    });
    const client = wsClient(server);
    const controller = new AbortController();
    const stream = client.stream(req(), { signal: controller.signal });
    for await (const ev of stream)
      if (ev.type === "response.output_text.delta") controller.abort(new Error("stop"));
    const outcome = await stream.outcome;
    assert.equal(outcome.status, "cancelled");
    assert.equal(outcome.upstreamRequestId, null);
    assert.equal(outcome.responseId, "resp_1");
    const entry = await server.waitFor((e) => e.seq === 1 && e.ended);
    assert.equal(entry.client_closed, true);
  });

  test("a malformed WebSocket message fails the stream naming the problem", async () => {
    const server = await serve({ responses: [{ ...text("x"), fault: { malformed_event: true } }] });
    const outcome = await wsClient(server).stream(req()).collect();
    assert.equal(outcome.status, "failed");
    if (outcome.status === "failed") assert.ok(outcome.error instanceof MalformedEventError);
  });

  test("a 429 error event over WebSocket is retried on the same connection", async () => {
    const server = await serve({ responses: [{ fault: { http_status: 429 } }, text("after the limit")] });
    const stream = wsClient(server).stream(req());
    const notices: unknown[] = [];
    for await (const ev of stream) if (ev.type === "spool.retry") notices.push(ev);
    const outcome = await stream.outcome;
    assert.equal(outcome.status, "completed");
    assert.equal(outcome.attempts, 2);
    assert.equal(notices.length, 1);
    assert.deepEqual(
      server.requests.map((r) => [r.connection, r.result]),
      [
        [1, "http_429"],
        [1, "completed"],
      ],
    );
  });

  test("a dropped WebSocket before output is retried on a fresh connection", async () => {
    const server = await serve({
      responses: [{ ...text("one"), fault: { cut_after_deltas: 0 } }, text("two")],
    });
    const outcome = await wsClient(server).stream(req()).collect();
    assert.equal(outcome.status, "completed");
    assert.equal(outcome.attempts, 2);
    assert.deepEqual(
      server.requests.map((r) => r.connection),
      [1, 2],
    );
  });
});

describe("WebSocket trace context", () => {
  const exporter = useInMemoryTracing();

  test("the handshake and each response.create carry the current span's traceparent", async () => {
    const server = await serve({ responses: [text("traced")] });
    const parent = trace.getTracer("spool-test").startSpan("turn");
    await context.with(trace.setSpan(context.active(), parent), () =>
      wsClient(server).stream(req()).collect(),
    );
    parent.end();
    const attempt = exporter.getFinishedSpans().find((s) => s.name === "responses.stream_request")!;
    const sc = attempt.spanContext();
    const expected = `00-${sc.traceId}-${sc.spanId}-01`;
    assert.equal(attempt.attributes.transport, "responses_websocket");
    const entry = server.requests[0]!;
    assert.equal(entry.headers.traceparent, expected);
    assert.equal(
      (entry.body as { client_metadata: Record<string, string> }).client_metadata.traceparent,
      expected,
    );
  });
});
