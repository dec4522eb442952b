import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPLogExporter as ProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import protobuf from "protobufjs";
import type { ObserveStore } from "../src/observe/index.js";
import { listSessions, threadTurns, threadView, traceView } from "../src/observe/index.js";
import { exportSpans, recordTurnSpans, startTestObserveServer } from "./support/observe.js";

const counts = (store: ObserveStore) =>
  store.db
    .prepare("SELECT (SELECT count(*) FROM spans) AS spans, (SELECT count(*) FROM traces) AS traces")
    .get();

async function post(url: string, body: Uint8Array | string, headers: Record<string, string>) {
  const res = await fetch(url, { method: "POST", body, headers });
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    body: Buffer.from(await res.arrayBuffer()),
  };
}

const STATUS = protobuf
  .parse(`syntax = "proto3"; message Status { int32 code = 1; string message = 2; }`)
  .root.lookupType("Status");

test("spans from the official protobuf (gzip) and JSON exporters are stored with parentage, attributes and events", async () => {
  const server = await startTestObserveServer();
  try {
    const proto = new ProtoTraceExporter({
      url: `${server.otlpUrl}/v1/traces`,
      compression: "gzip" as never,
    });
    const viaProto = recordTurnSpans({ threadId: "thr_proto", turnId: "turn_p" });
    assert.equal((await exportSpans(proto, viaProto)).code, 0);
    const json = new JsonTraceExporter({ url: `${server.otlpUrl}/v1/traces` });
    const viaJson = recordTurnSpans({
      threadId: "thr_json",
      turnId: "turn_j",
      serviceName: "codex-app-server",
    });
    assert.equal((await exportSpans(json, viaJson)).code, 0);
    await Promise.all([proto.shutdown(), json.shutdown()]);

    const traceId = viaProto[0]!.spanContext().traceId;
    const view = traceView(server.store, traceId)!;
    assert.equal(view.spans.length, viaProto.length);
    assert.deepEqual(
      view.spans.map((s) => `${"  ".repeat(s.depth)}${s.name}`),
      [
        "turn/start",
        "  op.dispatch.turn_input",
        "    session_task.turn",
        "      model_client.stream_responses_api",
        "        responses.stream_request",
        "      consume_startup_prewarm",
        "      exec_command",
        "        codex.process.spawn",
      ],
    );
    const byName = new Map(view.spans.map((s) => [s.name, s]));
    const turn = byName.get("session_task.turn")!;
    assert.equal(turn.parentSpanId, byName.get("op.dispatch.turn_input")!.spanId);
    assert.equal(turn.attributes["codex.turn.token_usage.input_tokens"], 1200);
    assert.equal(turn.threadId, "thr_proto");
    assert.equal(byName.get("turn/start")!.kind, 2);
    const model = byName.get("model_client.stream_responses_api")!;
    assert.deepEqual(
      model.events.map((e) => [e.name, e.attributes.duration_ms]),
      [["codex.turn_ttft", 120]],
    );
    assert.equal(turn.durationMs, 898);
    // The turn outlives its request; the path follows it through the model call and the tool.
    assert.deepEqual(
      view.spans.filter((s) => !s.critical).map((s) => s.name),
      ["consume_startup_prewarm"],
    );

    const sessions = listSessions(server.store);
    assert.deepEqual(sessions.map((s) => s.threadId).sort(), ["thr_json", "thr_proto"]);
    const jsonRow = sessions.find((s) => s.threadId === "thr_json")!;
    assert.equal(jsonRow.serviceName, "codex-app-server");
    assert.equal(jsonRow.clientName, "spool-test-client");
    assert.equal(jsonRow.model, "gpt-test");
    assert.deepEqual([jsonRow.turns, jsonRow.inputTokens, jsonRow.outputTokens], [1, 1200, 25]);
    const [turnPoint] = threadTurns(server.store, "thr_json");
    assert.equal(turnPoint!.ttftMs, 120);
    assert.equal(turnPoint!.durationMs, 898);
    assert.equal(threadView(server.store, "thr_json")!.spans.length, viaJson.length);

    // An exporter retrying the same batch adds nothing.
    const again = new ProtoTraceExporter({ url: `${server.otlpUrl}/v1/traces` });
    assert.equal((await exportSpans(again, viaProto)).code, 0);
    await again.shutdown();
    assert.deepEqual(counts(server.store), { spans: viaProto.length + viaJson.length, traces: 2 });
  } finally {
    await server.dispose();
  }
});

test("codex.* log records and metrics from the official exporters are stored; other log families are not", async () => {
  const server = await startTestObserveServer();
  try {
    const logs = new LoggerProvider({
      resource: resourceFromAttributes({ "service.name": "spool" }),
      processors: [
        new SimpleLogRecordProcessor({
          exporter: new ProtoLogExporter({ url: `${server.otlpUrl}/v1/logs` }),
        }),
      ],
    });
    const lg = logs.getLogger("codex_otel.log_only");
    lg.emit({
      eventName: "codex.tool_result",
      attributes: { "conversation.id": "thr_l", tool_name: "exec_command" },
    });
    logs.getLogger("other").emit({ body: "unrelated", attributes: { "event.name": "app.other" } });
    await logs.forceFlush();
    await logs.shutdown();
    const rows = server.store.db.prepare("SELECT event_name, thread_id FROM logs").all();
    assert.deepEqual(rows, [{ event_name: "codex.tool_result", thread_id: "thr_l" }]);

    const meters = new MeterProvider({
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new ProtoMetricExporter({ url: `${server.otlpUrl}/v1/metrics` }),
          exportIntervalMillis: 60_000,
        }),
      ],
    });
    meters.getMeter("spool").createCounter("codex.tool.call").add(3, { tool: "exec_command" });
    await meters.shutdown();
    const points = server.store.db.prepare("SELECT name, type, value FROM metric_points").all();
    assert.deepEqual(points, [{ name: "codex.tool.call", type: "sum", value: 3 }]);
  } finally {
    await server.dispose();
  }
});

test("bad OTLP posts get OTLP/HTTP's status, a google.rpc.Status body, and leave the store as it was", async () => {
  const server = await startTestObserveServer({ maxBodyBytes: 64 * 1024, maxDecodedBytes: 1024 * 1024 });
  try {
    const spans = recordTurnSpans({ threadId: "thr_ok" });
    const good = ProtobufTraceSerializer.serializeRequest(spans)!;
    assert.equal(
      (await post(`${server.otlpUrl}/v1/traces`, good, { "content-type": "application/x-protobuf" })).status,
      200,
    );
    const before = counts(server.store);
    const url = `${server.otlpUrl}/v1/traces`;

    const truncated = await post(url, good.subarray(0, good.length - 7), {
      "content-type": "application/x-protobuf",
    });
    assert.equal(truncated.status, 400);
    assert.equal(truncated.type, "application/x-protobuf");
    const status = STATUS.toObject(STATUS.decode(truncated.body)) as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.match(status.message, /cannot decode OTLP protobuf body/);

    assert.equal((await post(url, good, { "content-type": "text/plain" })).status, 415);
    assert.equal(
      (
        await post(url, gzipSync(good), {
          "content-type": "application/x-protobuf",
          "content-encoding": "br",
        })
      ).status,
      415,
    );
    assert.equal(
      (
        await post(url, Buffer.from("not gzip"), {
          "content-type": "application/x-protobuf",
          "content-encoding": "gzip",
        })
      ).status,
      400,
    );
    const oversize = await post(url, Buffer.alloc(65 * 1024, 1), {
      "content-type": "application/x-protobuf",
    });
    assert.equal(oversize.status, 413);
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024));
    assert.ok(bomb.length < 64 * 1024, "a small gzip body that inflates past the decoded limit");
    assert.equal(
      (await post(url, bomb, { "content-type": "application/x-protobuf", "content-encoding": "gzip" }))
        .status,
      413,
    );
    const badJson = await post(url, "{", { "content-type": "application/json" });
    assert.equal(badJson.status, 400);
    assert.equal(JSON.parse(badJson.body.toString()).code, 3);
    const wrongShape = await post(url, JSON.stringify({ resourceSpans: { not: "a list" } }), {
      "content-type": "application/json",
    });
    assert.equal(wrongShape.status, 400);
    assert.match(JSON.parse(wrongShape.body.toString()).message, /resourceSpans/);
    assert.equal((await fetch(url)).status, 405);
    assert.equal(
      (await post(`${server.otlpUrl}/v1/profiles`, good, { "content-type": "application/x-protobuf" }))
        .status,
      404,
    );

    assert.deepEqual(counts(server.store), before);
    assert.ok(server.store.db.pragma("integrity_check", { simple: true }) === "ok");
  } finally {
    await server.dispose();
  }
});

test("spans with invalid ids are refused alone, as OTLP partial success", async () => {
  const server = await startTestObserveServer();
  try {
    const ok = {
      traceId: "5b8efff798038103d269b633813fc60c",
      spanId: "eee19b7ec3c1b174",
      name: "ok",
      kind: 1,
      startTimeUnixNano: "1000",
      endTimeUnixNano: "2000",
    };
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "x" } }] },
          scopeSpans: [
            {
              scope: { name: "s" },
              spans: [
                ok,
                { ...ok, spanId: "zz", name: "bad" },
                { ...ok, spanId: "0000000000000000", name: "zero" },
              ],
            },
          ],
        },
      ],
    };
    const res = await post(`${server.otlpUrl}/v1/traces`, JSON.stringify(body), {
      "content-type": "application/json",
    });
    assert.equal(res.status, 200);
    const answer = JSON.parse(res.body.toString());
    assert.equal(answer.partialSuccess.rejectedSpans, "2");
    assert.match(answer.partialSuccess.errorMessage, /invalid span id/);
    assert.deepEqual(server.store.db.prepare("SELECT name FROM spans").all(), [{ name: "ok" }]);

    // The same refusal in protobuf, read back by the official exporter's response deserializer.
    const protoRes = await post(
      `${server.otlpUrl}/v1/traces`,
      ProtobufTraceSerializer.serializeRequest(recordTurnSpans())!,
      { "content-type": "application/x-protobuf" },
    );
    assert.deepEqual(ProtobufTraceSerializer.deserializeResponse(protoRes.body), {});
  } finally {
    await server.dispose();
  }
});
