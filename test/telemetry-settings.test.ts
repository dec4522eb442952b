import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveOtelSettings } from "../src/config/index.js";
import { defaultOtelSettings, resolveExporter } from "../src/telemetry/index.js";

test("an absent [otel] resolves to telemetry's defaults", () => {
  assert.deepEqual(resolveOtelSettings(undefined, { dir: "/x" }), defaultOtelSettings());
});

test("precedence: [otel] wins for a configured signal; OTEL_* applies only where [otel] says none", () => {
  const env = { OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" };
  const configured = {
    kind: "otlp-http",
    protocol: "json",
    headers: {},
    endpoint: "http://a/v1/traces",
  } as const;
  assert.deepEqual(resolveExporter("traces", configured, env), configured);
  assert.deepEqual(resolveExporter("traces", { kind: "none" }, env), { kind: "otlp-grpc", headers: {} });
  assert.deepEqual(
    resolveExporter(
      "logs",
      { kind: "none" },
      { OTEL_LOGS_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: "http/json" },
    ),
    { kind: "otlp-http", protocol: "json", headers: {} },
  );
  assert.deepEqual(resolveExporter("metrics", { kind: "none" }, {}), { kind: "none" });
});

test("statsig resolves to none; OTEL_SDK_DISABLED turns configured exporters off", () => {
  assert.deepEqual(resolveExporter("metrics", { kind: "statsig" }, {}), { kind: "none" });
  const configured = { kind: "otlp-grpc", headers: {} } as const;
  assert.deepEqual(resolveExporter("traces", configured, { OTEL_SDK_DISABLED: "true" }), { kind: "none" });
});

test("OTEL_<SIGNAL>_EXPORTER=console selects the console exporter; unsupported values fail naming the variable", () => {
  assert.deepEqual(resolveExporter("traces", { kind: "none" }, { OTEL_TRACES_EXPORTER: "console" }), {
    kind: "console",
  });
  assert.throws(() => resolveExporter("traces", { kind: "none" }, { OTEL_TRACES_EXPORTER: "zipkin" }), {
    name: "TelemetryConfigError",
    message: /^OTEL_TRACES_EXPORTER: unsupported value "zipkin"/,
  });
  assert.throws(
    () =>
      resolveExporter(
        "metrics",
        { kind: "none" },
        { OTEL_METRICS_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "udp" },
      ),
    { message: /^OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: unsupported value "udp"/ },
  );
});
