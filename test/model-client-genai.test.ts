// OpenTelemetry GenAI conventions on the model client: attempt-span attributes, gen_ai.client
// metrics and the opt-in content event, read back from in-memory exporters, against the
// scripted model server over a real loopback socket.
import { after, afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { InMemoryLogRecordExporter, type ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { Histogram, MetricData } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import {
  MetricsClient,
  SessionTelemetry,
  configureLogging,
  defaultOtelSettings,
  installTelemetry,
  withSpan,
  type TelemetryHandle,
} from "../src/telemetry/index.js";
import {
  ModelClient,
  functionCallOutput,
  sessionModelTelemetry,
  userMessage,
  type ModelProvider,
  type ResponsesRequest,
} from "../src/model-client/index.js";
import {
  scriptedModelProvider,
  startScriptedModelServer,
  type ModelScriptInput,
  type ScriptedModelServer,
} from "../src/model-server/index.js";

const servers: ScriptedModelServer[] = [];
const clients: ModelClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.close()));
});

const META = {
  conversationId: "thr_genai",
  model: "scripted-model",
  slug: "scripted-model",
  originator: "spool_tests",
  appVersion: "0.1.0",
  terminalType: "none",
  sessionSource: "exec",
};
const NO_RETRIES: Partial<ModelProvider> = { requestMaxRetries: 0, streamMaxRetries: 0 };

interface Run {
  server: ScriptedModelServer;
  attempts: ReadableSpan[];
  spans: ReadableSpan[];
  logs: ReadableLogRecord[];
  metrics: Map<string, MetricData>;
  session: SessionTelemetry;
}

let spanExporter: InMemorySpanExporter;
let logExporter: InMemoryLogRecordExporter;
let handle: TelemetryHandle;
function install(genaiSpanNames = false): void {
  spanExporter = new InMemorySpanExporter();
  logExporter = new InMemoryLogRecordExporter();
  handle = installTelemetry({
    settings: { ...defaultOtelSettings(), genaiSpanNames },
    exporters: { traces: spanExporter, logs: logExporter },
    processor: "simple",
  });
}
beforeEach(() => {
  configureLogging({ filter: "off" });
  install();
});
afterEach(async () => {
  await handle.shutdown();
});

/** Streams `request` against `script` inside a `turn` span and collects everything exported. */
async function run(
  script: ModelScriptInput,
  options: {
    request?: Partial<ResponsesRequest>;
    logUserPrompt?: boolean;
    provider?: Partial<ModelProvider>;
    abortOn?: string;
    during?: (session: SessionTelemetry) => void;
  } = {},
): Promise<Run> {
  const server = await startScriptedModelServer({ script });
  servers.push(server);
  const { client: metricsClient, exporter } = MetricsClient.inMemory();
  const session = new SessionTelemetry(META, {
    logUserPrompt: options.logUserPrompt,
    metrics: metricsClient,
  });
  const client = new ModelClient({
    provider: scriptedModelProvider(server.url, { ...NO_RETRIES, ...options.provider }),
    telemetry: sessionModelTelemetry(session),
    conversationId: "thr_genai",
    random: () => 0,
  });
  clients.push(client);
  const controller = new AbortController();
  await withSpan("turn", {}, async () => {
    const stream = client.stream(
      { model: "scripted-model", input: [userMessage("hello")], ...options.request },
      { signal: controller.signal },
    );
    for await (const ev of stream) if (ev.type === options.abortOn) controller.abort(new Error("interrupt"));
    await stream.outcome;
    options.during?.(session);
  });
  await handle.forceFlush();
  await metricsClient.shutdown();
  const metrics = new Map<string, MetricData>();
  for (const m of exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))) {
    metrics.set(m.descriptor.name, m);
  }
  const spans = spanExporter.getFinishedSpans();
  return {
    server,
    spans,
    attempts: spans.filter((s) => s.kind === 2 /* CLIENT */),
    logs: logExporter.getFinishedLogRecords(),
    metrics,
    session,
  };
}

function points(r: Run, name: string) {
  return (r.metrics.get(name)?.dataPoints ?? []).map((p) => ({
    attrs: p.attributes,
    value: p.value as Histogram,
  }));
}

describe("GenAI attributes on the model attempt span", () => {
  test("a completed stream: chat attributes, response id and model, finish reason, usage, no error.type", async () => {
    const r = await run({
      responses: [
        {
          output: [{ type: "message", text: "Hello there" }],
          usage: { input_tokens: 11, output_tokens: 5, cached_tokens: 3, reasoning_tokens: 2 },
        },
      ],
    });
    assert.equal(r.attempts.length, 1);
    const a = r.attempts[0]!.attributes;
    assert.equal(r.attempts[0]!.name, "responses.stream_request", "the Codex name stays");
    assert.equal(a["gen_ai.operation.name"], "chat");
    assert.equal(a["gen_ai.provider.name"], "scripted");
    assert.equal(a["gen_ai.request.model"], "scripted-model");
    assert.equal(a["gen_ai.request.stream"], true);
    assert.equal(a["gen_ai.conversation.id"], "thr_genai");
    assert.equal(a["server.address"], "127.0.0.1");
    assert.equal(a["server.port"], r.server.port);
    assert.equal(a["gen_ai.response.id"], "resp_1");
    assert.equal(a["gen_ai.response.model"], "scripted-model");
    assert.deepEqual(a["gen_ai.response.finish_reasons"], ["stop"]);
    assert.equal(a["gen_ai.usage.input_tokens"], 11);
    assert.equal(a["gen_ai.usage.output_tokens"], 5);
    assert.equal(a["gen_ai.usage.cache_read.input_tokens"], 3);
    assert.equal(a["gen_ai.usage.reasoning.output_tokens"], 2);
    assert.equal(typeof a["gen_ai.response.time_to_first_chunk"], "number");
    assert.equal(a["error.type"], undefined);
    // Codex's attributes are still there beside them.
    assert.equal(a.model, "scripted-model");
    assert.equal(a["http.response.header.x-request-id"], "req_1");

    const [duration] = points(r, "gen_ai.client.operation.duration");
    assert.equal(duration!.attrs["gen_ai.operation.name"], "chat");
    assert.equal(duration!.attrs["gen_ai.provider.name"], "scripted");
    assert.equal(duration!.attrs["gen_ai.request.model"], "scripted-model");
    assert.equal(duration!.attrs["gen_ai.response.model"], "scripted-model");
    assert.equal(duration!.attrs["error.type"], undefined);
    assert.equal(duration!.value.count, 1);
    assert.ok(duration!.value.sum! > 0 && duration!.value.sum! < 30, "seconds, not milliseconds");
    const [ttfc] = points(r, "gen_ai.client.operation.time_to_first_chunk");
    assert.ok(ttfc!.value.sum! <= duration!.value.sum!);
    const tokens = new Map(
      points(r, "gen_ai.client.token.usage").map((p) => [p.attrs["gen_ai.token.type"], p.value.sum]),
    );
    assert.deepEqual(Object.fromEntries(tokens), { input: 11, output: 5 });
    // The codex.* metrics are still recorded beside them.
    assert.ok(r.metrics.has("codex.api_request"));
  });

  test("a response ending in a tool call reports finish reason tool_call", async () => {
    const r = await run({
      responses: [{ output: [{ type: "function_call", name: "shell", arguments: { command: ["ls"] } }] }],
    });
    assert.deepEqual(r.attempts[0]!.attributes["gen_ai.response.finish_reasons"], ["tool_call"]);
  });

  test("a failed request (HTTP 500): error.type 500, no response id, no usage, duration point with error.type", async () => {
    const r = await run({ responses: [{ fault: { http_status: 500 } }] });
    const a = r.attempts[0]!.attributes;
    assert.equal(a["error.type"], "500");
    assert.equal(a["gen_ai.response.id"], undefined);
    assert.equal(a["gen_ai.usage.input_tokens"], undefined);
    assert.equal(a["gen_ai.response.finish_reasons"], undefined);
    assert.equal(a["gen_ai.operation.name"], "chat");
    const duration = points(r, "gen_ai.client.operation.duration");
    assert.equal(duration.length, 1);
    assert.equal(duration[0]!.attrs["error.type"], "500");
    assert.equal(points(r, "gen_ai.client.token.usage").length, 0);
    assert.equal(points(r, "gen_ai.client.operation.time_to_first_chunk").length, 0);
  });

  test("each retried attempt is its own chat operation: the 500 and the success each get a span and a point", async () => {
    const r = await run(
      { responses: [{ fault: { http_status: 500 } }, { output: [{ type: "message", text: "ok" }] }] },
      { provider: { requestMaxRetries: 1 } },
    );
    assert.deepEqual(
      r.attempts.map((s) => [s.attributes["error.type"], s.attributes["gen_ai.response.id"]]),
      [
        ["500", undefined],
        [undefined, "resp_1"],
      ],
    );
    assert.deepEqual(
      points(r, "gen_ai.client.operation.duration")
        .map((p) => p.attrs["error.type"] ?? "ok")
        .sort(),
      ["500", "ok"],
    );
  });

  test("a response.failed stream: error.type is the API's error code, finish reason error", async () => {
    const r = await run({
      responses: [{ fault: { fail: { code: "rate_limit_exceeded", message: "slow down" } } }],
    });
    const a = r.attempts[0]!.attributes;
    assert.equal(a["error.type"], "rate_limit_exceeded");
    assert.deepEqual(a["gen_ai.response.finish_reasons"], ["error"]);
    assert.equal(a["gen_ai.response.id"], undefined, "only completed calls carry a response id");
    assert.ok(!JSON.stringify(a).includes("slow down"), "no error text on the span");
  });

  test("a dropped stream: error.type StreamDroppedError, no response id, response model and first chunk seen", async () => {
    const r = await run({
      responses: [
        { output: [{ type: "message", text: "a long answer cut short" }], fault: { cut_after_deltas: 2 } },
      ],
    });
    const a = r.attempts[0]!.attributes;
    assert.equal(a["error.type"], "StreamDroppedError");
    assert.equal(a["gen_ai.response.id"], undefined);
    assert.equal(a["gen_ai.response.model"], "scripted-model");
    assert.equal(typeof a["gen_ai.response.time_to_first_chunk"], "number");
    assert.equal(points(r, "gen_ai.client.operation.duration")[0]!.attrs["error.type"], "StreamDroppedError");
    assert.equal(points(r, "gen_ai.client.operation.time_to_first_chunk").length, 1);
  });

  test("a cancelled stream: error.type cancelled, no response id", async () => {
    const r = await run(
      {
        responses: [{ event_delay_ms: 10, output: [{ type: "message", text: "streaming for a while yet" }] }],
      },
      { abortOn: "response.output_text.delta" },
    );
    const a = r.attempts[0]!.attributes;
    assert.equal(a["error.type"], "cancelled");
    assert.equal(a["gen_ai.response.id"], undefined);
    assert.equal(points(r, "gen_ai.client.operation.duration")[0]!.attrs["error.type"], "cancelled");
    assert.equal(points(r, "gen_ai.client.token.usage").length, 0);
  });

  test("over WebSocket the attempt span carries the same attributes", async () => {
    const r = await run(
      {
        responses: [
          { output: [{ type: "message", text: "hi" }], usage: { input_tokens: 2, output_tokens: 1 } },
        ],
      },
      { provider: { supportsWebsockets: true } },
    );
    const a = r.attempts[0]!.attributes;
    assert.equal(a.transport, "responses_websocket");
    assert.equal(a["gen_ai.operation.name"], "chat");
    assert.equal(a["gen_ai.response.id"], "resp_1");
    assert.equal(a["gen_ai.usage.output_tokens"], 1);
  });
});

describe("content stays private", () => {
  const SECRETS = [
    "SECRET_INSTRUCTIONS",
    "SECRET_PROMPT",
    "SECRET_PRIOR_TOOL_OUTPUT",
    "SECRET_OUTPUT_TEXT",
    "SECRET_CALL_ARGS",
    "SECRET_TOOL_ARGS",
    "SECRET_TOOL_RESULT",
  ];
  const script: ModelScriptInput = {
    responses: [
      {
        output: [
          { type: "message", text: "SECRET_OUTPUT_TEXT" },
          { type: "function_call", name: "shell", call_id: "call_2", arguments: { cmd: "SECRET_CALL_ARGS" } },
        ],
      },
    ],
  };
  const request: Partial<ResponsesRequest> = {
    instructions: "SECRET_INSTRUCTIONS",
    input: [
      userMessage("SECRET_PROMPT"),
      { type: "function_call", call_id: "call_1", name: "shell", arguments: '{"cmd":"ls"}' },
      functionCallOutput("call_1", "SECRET_PRIOR_TOOL_OUTPUT"),
    ],
  };
  const toolCall = (s: SessionTelemetry) =>
    withSpan("tool_call", {}, () =>
      s.toolResult({
        toolName: "shell",
        callId: "call_2",
        arguments: "SECRET_TOOL_ARGS",
        durationMs: 3,
        success: true,
        output: "SECRET_TOOL_RESULT",
      }),
    );
  const spanText = (spans: ReadableSpan[]) =>
    JSON.stringify(
      spans.map((s) => ({
        name: s.name,
        attributes: s.attributes,
        status: s.status,
        events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
      })),
    );

  for (const logUserPrompt of [false, true]) {
    test(`no prompt, output or tool text on any exported span (content capture ${logUserPrompt ? "on" : "off"})`, async () => {
      const r = await run(script, { request, logUserPrompt, during: toolCall });
      assert.ok(r.spans.length >= 4, "turn, stream, attempt and tool spans were exported");
      const text = spanText(r.spans);
      for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} on a span`);
      for (const key of ["gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions"]) {
        assert.ok(!text.includes(key), `${key} on a span`);
      }
      assert.ok(!text.includes("gen_ai.tool.call.arguments") && !text.includes("gen_ai.tool.call.result"));

      const details = r.logs.filter((l) => l.eventName === "gen_ai.client.inference.operation.details");
      const tool = r.logs.find((l) => l.attributes["event.name"] === "codex.tool_result")!;
      if (!logUserPrompt) {
        assert.equal(details.length, 0, "the content event is opt-in");
        assert.equal(tool.attributes["gen_ai.tool.call.arguments"], undefined);
        return;
      }
      // Opted in: the content reaches the log-only lane, in the conventions' JSON shape.
      assert.equal(details.length, 1);
      const d = details[0]!.attributes;
      assert.equal(details[0]!.instrumentationScope.name, "codex_otel.log_only");
      assert.equal(d["gen_ai.operation.name"], "chat");
      assert.equal(d["gen_ai.response.id"], "resp_1");
      assert.deepEqual(JSON.parse(d["gen_ai.system_instructions"] as string), [
        { type: "text", content: "SECRET_INSTRUCTIONS" },
      ]);
      assert.deepEqual(JSON.parse(d["gen_ai.input.messages"] as string), [
        { role: "user", parts: [{ type: "text", content: "SECRET_PROMPT" }] },
        {
          role: "assistant",
          parts: [{ type: "tool_call", id: "call_1", name: "shell", arguments: { cmd: "ls" } }],
        },
        {
          role: "tool",
          parts: [{ type: "tool_call_response", id: "call_1", response: "SECRET_PRIOR_TOOL_OUTPUT" }],
        },
      ]);
      assert.deepEqual(JSON.parse(d["gen_ai.output.messages"] as string), [
        {
          role: "assistant",
          parts: [
            { type: "text", content: "SECRET_OUTPUT_TEXT" },
            { type: "tool_call", id: "call_2", name: "shell", arguments: { cmd: "SECRET_CALL_ARGS" } },
          ],
          finish_reason: "tool_call",
        },
      ]);
      assert.equal(tool.attributes["gen_ai.tool.call.arguments"], "SECRET_TOOL_ARGS");
      assert.equal(tool.attributes["gen_ai.tool.call.result"], "SECRET_TOOL_RESULT");
    });
  }
});

describe("[otel] genai_span_names", () => {
  const script: ModelScriptInput = { responses: [{ output: [{ type: "message", text: "hi" }] }] };
  const shape = (spans: ReadableSpan[]) =>
    spans.map((s) => ({
      kind: s.kind,
      keys: Object.keys(s.attributes).sort(),
      events: s.events.map((e) => e.name),
    }));

  test("renames the attempt span `chat <model>` and changes nothing else", async () => {
    const plain = await run(script);
    await handle.shutdown();
    install(true);
    const renamed = await run(script);
    assert.deepEqual(
      renamed.spans.map((s) => s.name),
      plain.spans.map((s) => (s.name === "responses.stream_request" ? "chat scripted-model" : s.name)),
    );
    assert.deepEqual(shape(renamed.spans), shape(plain.spans));
    assert.deepEqual(
      renamed.attempts[0]!.attributes["gen_ai.response.id"],
      plain.attempts[0]!.attributes["gen_ai.response.id"],
    );
  });
});
