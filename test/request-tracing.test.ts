import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { configureLogging, type LogRecord } from "../src/telemetry/index.js";
import { CLIENT_INFO, inProcessAppServer } from "./support/app-server-harness.js";
import { installInMemoryTracing } from "./support/in-memory-tracing.js";

// Reinstalled (with a fresh exporter) by the test that needs a TRACEPARENT environment.
let { exporter } = installInMemoryTracing();
const warnings: LogRecord[] = [];
configureLogging({ filter: "warn", sink: (r) => warnings.push(r) });

afterEach(() => {
  exporter.reset();
  warnings.length = 0;
});

const TRACE = "00000000000000000000000000000077";
const PARENT = "0000000000000088";

function spansNamed(name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.name === name);
}

async function initialized() {
  const h = inProcessAppServer();
  await h.client.request("initialize", CLIENT_INFO);
  h.client.notify("initialized");
  exporter.reset();
  return h;
}

test("a valid envelope carrier parents the request span remotely in the same trace", async () => {
  const { client } = await initialized();
  await client.request(
    "model/list",
    {},
    { traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: "vendor=value" },
  );
  const [span] = spansNamed("model/list");
  assert.ok(span);
  assert.equal(span.kind, SpanKind.SERVER);
  assert.equal(span.spanContext().traceId, TRACE);
  assert.equal(span.parentSpanContext?.spanId, PARENT);
  assert.equal(span.parentSpanContext?.isRemote, true);
  assert.equal(span.spanContext().traceState?.get("vendor"), "value");
});

test("an invalid carrier is ignored with exactly one warning and the request span is a root", async () => {
  const { client } = await initialized();
  await client.request("model/list", {}, { traceparent: "00-not-a-valid-carrier-01" });
  const [span] = spansNamed("model/list");
  assert.ok(span);
  assert.equal(span.parentSpanContext, undefined);
  assert.notEqual(span.spanContext().traceId, TRACE);
  const warned = warnings.filter((w) => w.message === "ignoring invalid inbound request trace carrier");
  assert.equal(warned.length, 1);
  assert.deepEqual(warned[0]!.fields, { rpc_method: "model/list", rpc_request_id: "2" });
});

test("a tracestate-only carrier is ignored silently", async () => {
  const { client } = await initialized();
  await client.request("config/read", {}, { tracestate: "vendor=value" });
  const [span] = spansNamed("config/read");
  assert.ok(span);
  assert.equal(span.parentSpanContext, undefined);
  assert.equal(warnings.length, 0);
});

test("the TRACEPARENT env carrier parents the span when the envelope has none", async () => {
  const { client } = await initialized();
  ({ exporter } = installInMemoryTracing({ TRACEPARENT: `00-${"1".repeat(32)}-${"2".repeat(16)}-01` }));
  try {
    await client.request("model/list", {});
    await client.request("config/read", {}, { traceparent: `00-${TRACE}-${PARENT}-01` });
    const [fromEnv] = spansNamed("model/list");
    assert.equal(fromEnv!.spanContext().traceId, "1".repeat(32));
    assert.equal(fromEnv!.parentSpanContext?.spanId, "2".repeat(16));
    const [fromEnvelope] = spansNamed("config/read");
    assert.equal(
      fromEnvelope!.spanContext().traceId,
      TRACE,
      "the envelope carrier wins over the env carrier",
    );
  } finally {
    // Installing again shut the previous exporter down; later tests get a fresh one.
    ({ exporter } = installInMemoryTracing());
  }
});

test("initialize's span takes the client identity from its params, later spans from the session", async () => {
  const { client } = inProcessAppServer();
  await client.request("initialize", CLIENT_INFO);
  await client.request("model/list", {});
  for (const name of ["initialize", "model/list"]) {
    const [span] = spansNamed(name);
    assert.ok(span, name);
    assert.deepEqual(
      {
        system: span.attributes["rpc.system"],
        method: span.attributes["rpc.method"],
        transport: span.attributes["rpc.transport"],
        api: span.attributes["app_server.api_version"],
        client: span.attributes["app_server.client_name"],
        version: span.attributes["app_server.client_version"],
        connection: span.attributes["app_server.connection_id"],
      },
      {
        system: "jsonrpc",
        method: name,
        transport: "in-process",
        api: "v2",
        client: "spool_tests",
        version: "9.9.9",
        connection: "1",
      },
    );
  }
  assert.equal(spansNamed("initialize")[0]!.attributes["rpc.request_id"], "1");
  assert.equal(spansNamed("model/list")[0]!.attributes["rpc.request_id"], "2");
});

test("every request gets exactly one span, including rejected ones, with no handler code", async () => {
  const { client } = inProcessAppServer();
  await assert.rejects(client.request("model/list", {}));
  await client.request("initialize", CLIENT_INFO);
  await assert.rejects(client.request("initialize", CLIENT_INFO));
  await assert.rejects(client.request("no/such/method", {}));
  await assert.rejects(client.request("model/list", { limit: "ten" }));
  await client.request("config/read", { includeLayers: true });
  const names = exporter.getFinishedSpans().map((s) => s.name);
  assert.deepEqual(names, [
    "model/list",
    "initialize",
    "initialize",
    "no/such/method",
    "model/list",
    "config/read",
  ]);
  const before = exporter.getFinishedSpans()[0]!;
  assert.equal(before.attributes["app_server.client_name"], undefined, "no identity before initialize");
  assert.equal(before.status.code, 2, "error responses mark the span ERROR");
  assert.equal(before.attributes["rpc.jsonrpc.error_code"], -32600);
  const badParams = exporter.getFinishedSpans()[4]!;
  assert.equal(badParams.attributes["rpc.jsonrpc.error_code"], -32602);
  // Error text can echo request content: it stays off the trace lane.
  for (const span of exporter.getFinishedSpans()) {
    assert.equal(span.status.message, undefined, span.name);
    assert.doesNotMatch(JSON.stringify(span.attributes), /Invalid params|Not initialized|ten/);
  }
});

test("handlers and the app-server never import OpenTelemetry", async () => {
  const { readdirSync, readFileSync } = await import("node:fs");
  const dir = new URL("../src/app-server/", import.meta.url);
  const offenders = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .filter((f) => /@opentelemetry\//.test(readFileSync(new URL(f, dir), "utf8")));
  assert.deepEqual(offenders, []);
});
