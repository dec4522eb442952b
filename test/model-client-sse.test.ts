import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { context, trace } from "@opentelemetry/api";
import {
  HttpStatusError,
  IdleTimeoutError,
  MalformedEventError,
  MissingApiKeyError,
  ModelClient,
  ResponseFailedError,
  StreamDroppedError,
  functionCallOutput,
  userMessage,
  type ModelClientTelemetry,
  type ModelProvider,
  type ModelStreamEvent,
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
async function serve(script: ModelScriptInput): Promise<ScriptedModelServer> {
  const s = await startScriptedModelServer({ script });
  servers.push(s);
  return s;
}
function clientFor(
  server: ScriptedModelServer,
  overrides: Partial<ModelProvider> = {},
  telemetry?: ModelClientTelemetry,
) {
  return new ModelClient({
    provider: scriptedModelProvider(server.url, overrides),
    telemetry,
    random: () => 0.5,
  });
}
const text = (t: string) => ({ output: [{ type: "message" as const, text: t }] });
const req = (input = [userMessage("hello")]) => ({ model: "scripted-model", input });

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe("model client over HTTP SSE against the scripted server", () => {
  test("a completed stream carries the x-request-id, the response id, usage and the output items", async () => {
    const server = await serve({
      responses: [
        {
          ...text("Hello there, world"),
          usage: { input_tokens: 11, output_tokens: 5, cached_tokens: 3, reasoning_tokens: 2 },
        },
      ],
    });
    const stream = clientFor(server).stream(req());
    const events: ModelStreamEvent[] = [];
    for await (const ev of stream) events.push(ev);
    const outcome = await stream.outcome;
    assert.equal(outcome.status, "completed");
    assert.equal(outcome.upstreamRequestId, "req_1");
    assert.equal(outcome.responseId, "resp_1");
    assert.equal(stream.upstreamRequestId, "req_1");
    assert.equal(stream.responseId, "resp_1");
    assert.equal(server.requests[0]!.x_request_id, "req_1");
    if (outcome.status !== "completed") return;
    assert.deepEqual(outcome.usage, {
      inputTokens: 11,
      cachedInputTokens: 3,
      cacheWriteInputTokens: 0,
      outputTokens: 5,
      reasoningOutputTokens: 2,
      totalTokens: 16,
    });
    assert.equal(outcome.output.length, 1);
    assert.deepEqual(
      (outcome.output[0] as unknown as { content: { text: string }[] }).content[0]!.text,
      "Hello there, world",
    );
    const deltas = events
      .filter((e) => e.type === "response.output_text.delta")
      .map((e) => (e as { delta: string }).delta);
    assert.equal(deltas.join(""), "Hello there, world");
    assert.ok(deltas.length > 1, "text arrives in several deltas");
    assert.equal(events[0]!.type, "response.created");
    assert.equal(events.at(-1)!.type, "response.completed");
  });

  test("the request body is the Responses API body built from the typed request", async () => {
    const server = await serve({ responses: [text("ok")] });
    const tools = [{ type: "function" as const, name: "shell", parameters: { type: "object" } }];
    await clientFor(server)
      .stream({
        model: "gpt-test",
        instructions: "be brief",
        input: [userMessage("hi")],
        tools,
        parallelToolCalls: true,
        reasoning: { effort: "low", summary: "auto" },
        include: ["reasoning.encrypted_content"],
        promptCacheKey: "thread-1",
        previousResponseId: "resp_prev",
        clientMetadata: { thread: "t1" },
      })
      .collect();
    const body = server.requests[0]!.body as Record<string, unknown>;
    assert.deepEqual(body, {
      model: "gpt-test",
      instructions: "be brief",
      previous_response_id: "resp_prev",
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
      tools,
      tool_choice: "auto",
      parallel_tool_calls: true,
      reasoning: { effort: "low", summary: "auto" },
      store: false,
      stream: true,
      include: ["reasoning.encrypted_content"],
      prompt_cache_key: "thread-1",
      client_metadata: { thread: "t1" },
    });
    assert.equal(server.requests[0]!.headers.accept, "text/event-stream");
  });

  test("a function call, then the final text after the server sees the function output", async () => {
    const server = await serve({
      responses: [
        {
          output: [
            { type: "reasoning", summary: ["Listing files first."] },
            { type: "function_call", name: "exec_command", arguments: { cmd: "ls" }, call_id: "call_ls" },
            { type: "function_call", name: "exec_command", arguments: { cmd: "pwd" }, call_id: "call_pwd" },
          ],
        },
        text("The directory has: {{function_call_output}}"),
      ],
    });
    const client = clientFor(server);
    const first = await client.stream(req()).collect();
    assert.equal(first.status, "completed");
    if (first.status !== "completed") return;
    const calls = first.output.filter((i) => i.type === "function_call") as unknown as {
      call_id: string;
      name: string;
      arguments: string;
    }[];
    assert.deepEqual(
      calls.map((c) => [c.call_id, c.name, JSON.parse(c.arguments)]),
      [
        ["call_ls", "exec_command", { cmd: "ls" }],
        ["call_pwd", "exec_command", { cmd: "pwd" }],
      ],
    );
    assert.equal(first.output[0]!.type, "reasoning");
    const second = await client
      .stream(req([userMessage("hello"), ...first.output, functionCallOutput("call_ls", "a.txt b.txt\n")]))
      .collect();
    assert.equal(second.status, "completed");
    if (second.status !== "completed") return;
    const msg = second.output[0] as unknown as { content: { text: string }[] };
    assert.equal(msg.content[0]!.text, "The directory has: a.txt b.txt");
    assert.deepEqual(
      server.requests.map((r) => r.x_request_id),
      ["req_1", "req_2"],
    );
  });

  test("500s are retried and the failed outcome carries the last attempt's x-request-id", async () => {
    const server = await serve({
      responses: [
        { fault: { http_status: 500 } },
        { fault: { http_status: 500 } },
        { fault: { http_status: 503 } },
      ],
    });
    const stream = clientFor(server, { requestMaxRetries: 2 }).stream(req());
    const retries: ModelStreamEvent[] = [];
    for await (const ev of stream) if (ev.type === "spool.retry") retries.push(ev);
    const outcome = await stream.outcome;
    assert.equal(outcome.status, "failed");
    if (outcome.status !== "failed") return;
    assert.ok(outcome.error instanceof HttpStatusError);
    assert.equal((outcome.error as HttpStatusError).status, 503);
    assert.equal(outcome.upstreamRequestId, "req_3");
    assert.equal(outcome.responseId, null);
    assert.equal(outcome.attempts, 3);
    assert.equal(retries.length, 2);
    assert.equal(server.requests.length, 3);
  });

  test("an attempt that fails before its headers does not inherit the previous attempt's ids", async () => {
    const server = await serve({ responses: [{ fault: { http_status: 500 } }] });
    let calls = 0;
    const client = new ModelClient({
      provider: scriptedModelProvider(server.url, { requestMaxRetries: 1 }),
      random: () => 0.5,
      // Attempt 1 reaches the server (500, x-request-id req_1); attempt 2 never connects.
      fetch: (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
        calls++;
        if (calls === 1) return fetch(input, init);
        throw new TypeError("fetch failed: connect ECONNREFUSED");
      }) as typeof fetch,
    });
    const stream = client.stream(req());
    const notices: ModelStreamEvent[] = [];
    for await (const ev of stream) if (ev.type === "spool.retry") notices.push(ev);
    const outcome = await stream.outcome;
    assert.equal(calls, 2);
    assert.equal(outcome.attempts, 2);
    assert.equal(
      (notices[0] as { abandonedUpstreamRequestId?: string | null }).abandonedUpstreamRequestId,
      "req_1",
    );
    assert.equal(outcome.upstreamRequestId, null, "attempt 2 never got headers, so it has no x-request-id");
    assert.equal(outcome.responseId, null);
    assert.equal(stream.upstreamRequestId, null);
  });

  test("a 400 is not retried", async () => {
    const server = await serve({ responses: [{ fault: { http_status: 400 } }, text("never")] });
    const outcome = await clientFor(server).stream(req()).collect();
    assert.equal(outcome.status, "failed");
    assert.equal(server.requests.length, 1);
  });

  test("a 429 retry waits for Retry-After before the next attempt", async () => {
    const server = await serve({
      responses: [{ fault: { http_status: 429, retry_after: 1 } }, text("after the wait")],
    });
    const stream = clientFor(server).stream(req());
    const notices: ModelStreamEvent[] = [];
    for await (const ev of stream) if (ev.type === "spool.retry") notices.push(ev);
    const outcome = await stream.outcome;
    assert.equal(outcome.status, "completed");
    assert.equal(outcome.upstreamRequestId, "req_2");
    assert.deepEqual(notices, [
      {
        type: "spool.retry",
        attempt: 2,
        delayMs: 1000,
        reason: "HTTP 429",
        abandonedUpstreamRequestId: "req_1",
      },
    ]);
    const gap = Date.parse(server.requests[1]!.time) - Date.parse(server.requests[0]!.time);
    assert.ok(gap >= 950, `second attempt came ${gap} ms after the first`);
  });

  test("retry-after-ms is honoured too", async () => {
    const server = await serve({
      responses: [{ fault: { http_status: 429, retry_after_ms: 300 } }, text("ok")],
    });
    const stream = clientFor(server).stream(req());
    const notices: ModelStreamEvent[] = [];
    for await (const ev of stream) if (ev.type === "spool.retry") notices.push(ev);
    assert.equal((await stream.outcome).status, "completed");
    assert.equal((notices[0] as { delayMs: number }).delayMs, 300);
  });

  test("aborting mid-stream cancels with the reason, the ids and partial output, and closes the socket", async () => {
    const server = await serve({
      responses: [
        {
          event_delay_ms: 15,
          output: [
            { type: "function_call", name: "shell", arguments: { command: ["true"] } },
            { type: "message", text: "a fairly long answer that keeps streaming for a while" },
          ],
        },
      ],
    });
    const controller = new AbortController();
    const stream = clientFor(server).stream(req(), { signal: controller.signal });
    for await (const ev of stream) {
      if (ev.type === "response.output_text.delta") controller.abort(new Error("user interrupt"));
    }
    const outcome = await stream.outcome;
    assert.equal(outcome.status, "cancelled");
    if (outcome.status !== "cancelled") return;
    assert.equal((outcome.reason as Error).message, "user interrupt");
    assert.equal(outcome.upstreamRequestId, "req_1");
    assert.equal(outcome.responseId, "resp_1");
    assert.deepEqual(
      outcome.partialOutput.map((i) => i.type),
      ["function_call"],
    );
    const entry = await server.waitFor((e) => e.seq === 1 && e.ended);
    assert.equal(entry.client_closed, true);
    assert.equal(entry.result, "client_closed");
  });

  test("a stream cut after output is dropped (not retried) with the x-request-id and partial output", async () => {
    const server = await serve({
      responses: [
        {
          output: [
            { type: "reasoning", summary: ["short"] },
            { type: "message", text: "this message is cut off in the middle" },
          ],
          fault: { cut_after_deltas: 3 },
        },
        text("not reached"),
      ],
      chunk_chars: 5,
    });
    const outcome = await clientFor(server).stream(req()).collect();
    assert.equal(outcome.status, "dropped");
    if (outcome.status !== "dropped") return;
    assert.ok(outcome.error instanceof StreamDroppedError);
    assert.equal(outcome.upstreamRequestId, "req_1");
    assert.equal(outcome.responseId, "resp_1");
    assert.deepEqual(
      outcome.partialOutput.map((i) => i.type),
      ["reasoning"],
    );
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]!.result, "cut");
  });

  test("a stream cut before any output is retried up to stream_max_retries", async () => {
    const server = await serve({
      responses: [{ ...text("first"), fault: { cut_after_deltas: 0 } }, text("second try works")],
    });
    const outcome = await clientFor(server, { streamMaxRetries: 1 }).stream(req()).collect();
    assert.equal(outcome.status, "completed");
    assert.equal(outcome.upstreamRequestId, "req_2");
    assert.equal(outcome.attempts, 2);
  });

  test("a refused connection is retried as a request and ends dropped without an x-request-id", async () => {
    const server = await startScriptedModelServer({ script: { responses: [] } });
    const url = server.url;
    await server.close();
    const stream = new ModelClient({
      provider: scriptedModelProvider(url, { requestMaxRetries: 1 }),
      random: () => 0,
    }).stream(req());
    let retries = 0;
    for await (const ev of stream) if (ev.type === "spool.retry") retries++;
    const outcome = await stream.outcome;
    assert.equal(outcome.status, "dropped");
    if (outcome.status !== "dropped") return;
    assert.match(outcome.error.message, /ECONNREFUSED/);
    assert.equal(outcome.upstreamRequestId, null);
    assert.equal(retries, 1);
  });

  test("the idle timeout fires when the server never sends headers", async () => {
    const server = await serve({ responses: [{ fault: { never_send_headers: true } }] });
    const started = performance.now();
    const outcome = await clientFor(server, {
      streamIdleTimeoutMs: 250,
      requestMaxRetries: 0,
      streamMaxRetries: 0,
    })
      .stream(req())
      .collect();
    const elapsed = performance.now() - started;
    assert.equal(outcome.status, "dropped");
    if (outcome.status !== "dropped") return;
    assert.ok(outcome.error instanceof IdleTimeoutError);
    assert.ok(elapsed >= 240 && elapsed < 3000, `idle timeout after ${elapsed} ms`);
    assert.equal(outcome.upstreamRequestId, null);
    const entry = await server.waitFor((e) => e.seq === 1 && e.ended);
    assert.equal(entry.client_closed, true);
  });

  test("the idle timeout fires between events of a stalled stream", async () => {
    const server = await serve({ responses: [{ ...text("slow"), event_delay_ms: 1000 }] });
    const outcome = await clientFor(server, { streamIdleTimeoutMs: 200, streamMaxRetries: 0 })
      .stream(req())
      .collect();
    assert.equal(outcome.status, "dropped");
    if (outcome.status !== "dropped") return;
    assert.ok(outcome.error instanceof IdleTimeoutError);
    assert.equal(outcome.upstreamRequestId, "req_1");
  });

  test("a malformed SSE event fails the stream with an error naming the event", async () => {
    const server = await serve({ responses: [{ ...text("hello"), fault: { malformed_event: true } }] });
    const outcome = await clientFor(server).stream(req()).collect();
    assert.equal(outcome.status, "failed");
    if (outcome.status !== "failed") return;
    assert.ok(outcome.error instanceof MalformedEventError);
    assert.match(outcome.error.message, /response\.output_text\.delta/);
    assert.equal(outcome.upstreamRequestId, "req_1");
    assert.equal(outcome.responseId, "resp_1");
  });

  test("response.failed and response.incomplete end as failed with the server's error", async () => {
    const server = await serve({
      responses: [
        { ...text("partial"), fault: { fail: { code: "server_error", message: "engine overloaded" } } },
        { ...text("cut short"), fault: { incomplete: "max_output_tokens" } },
      ],
    });
    const client = clientFor(server);
    const failed = await client.stream(req()).collect();
    assert.equal(failed.status, "failed");
    if (failed.status !== "failed") return;
    assert.ok(failed.error instanceof ResponseFailedError);
    assert.match(failed.error.message, /engine overloaded/);
    assert.equal(failed.responseId, "resp_1");
    assert.equal(failed.partialOutput.length, 1);
    const incomplete = await client.stream(req()).collect();
    assert.equal(incomplete.status, "failed");
    if (incomplete.status === "failed") assert.match(incomplete.error.message, /max_output_tokens/);
  });

  test("a provider whose env_key is unset fails the turn naming the variable, without a request", async () => {
    const server = await serve({ responses: [text("never")] });
    const client = new ModelClient({
      provider: scriptedModelProvider(server.url, { envKey: "SPOOL_TEST_MISSING_KEY" }),
      env: {},
    });
    const outcome = await client.stream(req()).collect();
    assert.equal(outcome.status, "failed");
    if (outcome.status !== "failed") return;
    assert.ok(outcome.error instanceof MissingApiKeyError);
    assert.match(outcome.error.message, /SPOOL_TEST_MISSING_KEY/);
    assert.equal(server.requests.length, 0);
  });

  test("per-attempt headers are sent on each attempt and the sent body is exposed", async () => {
    const server = await serve({ responses: [{ fault: { http_status: 502 } }, text("ok")] });
    const stream = clientFor(server).stream(req(), {
      attemptHeaders: (attempt) => ({ "x-codex-inference-call-id": `inference-${attempt}` }),
    });
    assert.equal((await stream.collect()).status, "completed");
    assert.deepEqual(
      server.requests.map((r) => r.headers["x-codex-inference-call-id"]),
      ["inference-1", "inference-2"],
    );
    assert.deepEqual(stream.requestBody, server.requests[1]!.body);
  });

  test("a telemetry sink that throws never fails the stream", async () => {
    const server = await serve({ responses: [text("still fine")] });
    const boom = () => {
      throw new Error("exporter down");
    };
    const telemetry: ModelClientTelemetry = {
      apiRequest: boom,
      sseEvent: boom,
      websocketRequest: boom,
      websocketEvent: boom,
      inference: boom,
      counter: boom,
      histogram: boom,
      recordDuration: boom,
    };
    assert.equal((await clientFor(server, {}, telemetry).stream(req()).collect()).status, "completed");
  });

  test("the key, provider headers, env headers and query params are sent", async () => {
    const server = await serve({ responses: [text("ok")] });
    const client = new ModelClient({
      provider: scriptedModelProvider(server.url, {
        envKey: "MY_KEY",
        httpHeaders: { "x-team": "infra" },
        envHttpHeaders: { "OpenAI-Project": "MY_PROJECT", "OpenAI-Organization": "UNSET_ORG" },
        queryParams: { "api-version": "2025-04-01" },
      }),
      env: { MY_KEY: "sk-test", MY_PROJECT: "proj_1" },
      sessionId: "sess-1",
    });
    assert.equal(
      (await client.stream(req(), { headers: { "x-codex-inference-call-id": "inf-1" } }).collect()).status,
      "completed",
    );
    const e = server.requests[0]!;
    assert.equal(e.path, "/v1/responses?api-version=2025-04-01");
    assert.equal(e.headers.authorization, "[REDACTED]");
    assert.equal(e.headers["x-team"], "infra");
    assert.equal(e.headers["openai-project"], "proj_1");
    assert.equal(e.headers["openai-organization"], undefined);
    assert.equal(e.headers["session_id"], "sess-1");
    assert.equal(e.headers["x-codex-inference-call-id"], "inf-1");
  });

  test("telemetry gets codex.api_request per attempt and codex.sse_event per event with token counts", async () => {
    const server = await serve({
      responses: [
        { fault: { http_status: 500 } },
        {
          ...text("hi"),
          usage: { input_tokens: 4, output_tokens: 2, cached_tokens: 1, reasoning_tokens: 0 },
        },
      ],
    });
    const telemetry = recordingTelemetry();
    assert.equal((await clientFor(server, {}, telemetry).stream(req()).collect()).status, "completed");
    const api = telemetry.calls
      .filter((c) => c.method === "apiRequest")
      .map((c) => c.args[0] as Record<string, unknown>);
    assert.equal(api.length, 2);
    assert.equal(api[0]!.attempt, 1);
    assert.equal(api[0]!["http.response.status_code"], 500);
    assert.equal(typeof api[0]!["error.message"], "string");
    assert.equal(api[1]!.attempt, 2);
    assert.equal(api[1]!["http.response.status_code"], 200);
    assert.equal(api[1]!["error.message"], undefined);
    assert.equal(api[1]!.endpoint, "/responses");
    assert.equal(api[1]!["auth.header_attached"], false, "the scripted provider sends no key");
    assert.equal(typeof api[1]!.duration_ms, "number");
    const sse = telemetry.calls
      .filter((c) => c.method === "sseEvent")
      .map((c) => c.args[0] as Record<string, unknown>);
    const kinds = sse.map((e) => e["event.kind"]);
    assert.equal(kinds[0], "response.created");
    assert.ok(kinds.includes("response.output_text.delta"));
    assert.ok(kinds.includes("response.in_progress"), "events Spool skips are still counted");
    const completed = sse.find((e) => e["event.kind"] === "response.completed")!;
    assert.equal(completed.input_token_count, 4);
    assert.equal(completed.output_token_count, 2);
    assert.equal(completed.cached_token_count, 1);
    assert.equal(completed.reasoning_token_count, 0);
  });
});

describe("model request spans", () => {
  const exporter = useInMemoryTracing();

  test("outbound traceparent equals the attempt's CLIENT span, under the caller's span", async () => {
    const server = await serve({ responses: [{ fault: { http_status: 500 } }, text("ok")] });
    const parent = trace.getTracer("spool-test").startSpan("turn");
    await context.with(trace.setSpan(context.active(), parent), () =>
      clientFor(server).stream(req()).collect(),
    );
    parent.end();
    const spans = exporter.getFinishedSpans();
    const outer = spans.find((s) => s.name === "model_client.stream_responses_api")!;
    const attempts = spans.filter((s) => s.name === "responses.stream_request");
    assert.ok(outer);
    assert.equal(outer.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.equal(attempts.length, 2);
    for (const [i, span] of attempts.entries()) {
      assert.equal(span.kind, 2 /* CLIENT */);
      assert.equal(span.parentSpanContext?.spanId, outer.spanContext().spanId);
      const sc = span.spanContext();
      assert.equal(server.requests[i]!.headers.traceparent, `00-${sc.traceId}-${sc.spanId}-01`);
      assert.equal(span.attributes["server.address"], "127.0.0.1");
      assert.equal(span.attributes["server.port"], server.port);
      assert.equal(span.attributes.model, "scripted-model");
      assert.equal(span.attributes.provider, "Scripted");
      assert.equal(span.attributes.transport, "responses_http");
      assert.equal(span.attributes["http.method"], "POST");
      assert.equal(span.attributes["api.path"], "/responses");
      assert.equal(span.attributes.attempt, i + 1);
      assert.equal(span.attributes["http.response.header.x-request-id"], `req_${i + 1}`);
    }
    assert.equal(attempts[0]!.attributes["http.response.status_code"], 500);
    assert.equal(attempts[1]!.attributes["http.response.status_code"], 200);
    assert.equal(outer.attributes.wire_api, "responses");
    for (const s of [outer, ...attempts]) {
      assert.ok(!JSON.stringify(s.attributes).includes("hello"), "no prompt text on spans");
    }
  });
});
