import { test } from "node:test";
import assert from "node:assert/strict";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { configureLogging, installTelemetry, logger, type LogRecord } from "../telemetry/index.js";
import { RpcConnection } from "./connection.js";
import { createInProcessTransportPair } from "./in-process-transport.js";
import { createRequestTracer } from "./request-span.js";

const exporter = new InMemorySpanExporter();
installTelemetry({ exporters: { traces: exporter }, processor: "simple", env: {} });

test("inside a request, log lines carry the request span by its tracing name, with otel.name = the method", async () => {
  const records: LogRecord[] = [];
  configureLogging({ filter: "info", sink: (r) => records.push(r) });
  const [serverEnd, clientEnd] = createInProcessTransportPair();
  new RpcConnection(serverEnd, {
    tracer: createRequestTracer("in-process", () => ({ "rpc.service": "test" }), {
      spanName: "test.request",
    }),
    handler: {
      handleRequest() {
        logger("spool_test::handler").info("handling");
        return {};
      },
    },
  }).start();
  const client = new RpcConnection(clientEnd).start();
  await client.request("thing/do", {});
  const handled = records.find((r) => r.message === "handling")!;
  assert.deepEqual(
    handled.spans.map((s) => s.name),
    ["test.request"],
  );
  assert.equal(handled.spans[0]!.fields["otel.name"], "thing/do");
  assert.equal(handled.spans[0]!.fields["rpc.service"], "test");
  const [span] = exporter.getFinishedSpans();
  assert.equal(span!.name, "thing/do");
  assert.equal(span!.kind, SpanKind.SERVER);
  assert.equal(span!.attributes["otel.name"], undefined, "otel.name names the span; it is not an attribute");
});
