import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "smol-toml";
import { loadConfig } from "./load.js";
import { otelSettingsFromConfig, resolveOtelSettings } from "./otel-settings.js";

const DIR = "/etc/spool";

function fromToml(text: string, env: NodeJS.ProcessEnv = {}) {
  return resolveOtelSettings((parse(text) as { otel?: unknown }).otel, { dir: DIR, env });
}

test("absent [otel] resolves to every exporter off with the documented defaults", () => {
  assert.deepEqual(resolveOtelSettings(undefined, { dir: DIR }), {
    environment: "dev",
    exporter: { kind: "none" },
    traceExporter: { kind: "none" },
    metricsExporter: { kind: "none" },
    runtimeMetrics: false,
    spanAttributes: {},
    tracestate: {},
    logUserPrompt: false,
    genaiSpanNames: false,
  });
});

test("table form: endpoint, protocol, headers with ${VAR}, TLS paths resolved against the config dir", () => {
  const s = fromToml(
    `
[otel]
environment = "prod"
log_user_prompt = true
span_attributes = { "team.name" = "infra" }
tracestate = { vendor = { tenant = "a", region = "eu" } }

[otel.exporter."otlp-http"]
endpoint = "http://127.0.0.1:4318/v1/logs"
protocol = "json"
headers = { "x-otlp-api-key" = "Bearer \${OTLP_TOKEN}" }

[otel.exporter."otlp-http".tls]
ca-certificate = "certs/ca.pem"
client-certificate = "/abs/client.pem"
client-private-key = "certs/client-key.pem"

[otel.trace_exporter."otlp-grpc"]
endpoint = "http://127.0.0.1:4317"
headers = { "x-otlp-meta" = "abc123" }
`,
    { OTLP_TOKEN: "s3cret" },
  );
  assert.equal(s.environment, "prod");
  assert.equal(s.logUserPrompt, true);
  assert.equal(s.genaiSpanNames, false);
  assert.deepEqual(s.exporter, {
    kind: "otlp-http",
    endpoint: "http://127.0.0.1:4318/v1/logs",
    protocol: "json",
    headers: { "x-otlp-api-key": "Bearer s3cret" },
    tls: {
      caCertificate: "/etc/spool/certs/ca.pem",
      clientCertificate: "/abs/client.pem",
      clientPrivateKey: "/etc/spool/certs/client-key.pem",
    },
  });
  assert.deepEqual(s.traceExporter, {
    kind: "otlp-grpc",
    endpoint: "http://127.0.0.1:4317",
    headers: { "x-otlp-meta": "abc123" },
  });
  assert.deepEqual(s.spanAttributes, { "team.name": "infra" });
  assert.deepEqual(s.tracestate, { vendor: { tenant: "a", region: "eu" } });
});

test("inline form is equivalent to the table form; protocol defaults to binary", () => {
  const inline = fromToml(`[otel]
exporter = { otlp-http = { endpoint = "http://h:4318/v1/logs", headers = { a = "b" } } }`);
  const table = fromToml(`[otel.exporter.otlp-http]
endpoint = "http://h:4318/v1/logs"
headers = { a = "b" }`);
  assert.deepEqual(inline, table);
  assert.deepEqual(inline.exporter, {
    kind: "otlp-http",
    endpoint: "http://h:4318/v1/logs",
    protocol: "binary",
    headers: { a: "b" },
  });
});

test("bare exporter names leave endpoint and headers to the OTEL_* variables", () => {
  const s = fromToml(`[otel]
exporter = "otlp-grpc"
trace_exporter = "otlp-http"
metrics_exporter = "none"`);
  assert.deepEqual(s.exporter, { kind: "otlp-grpc", headers: {} });
  assert.deepEqual(s.traceExporter, { kind: "otlp-http", protocol: "binary", headers: {} });
});

test("statsig is accepted for metrics (telemetry resolves it to none) and rejected elsewhere", () => {
  assert.deepEqual(fromToml(`[otel]\nmetrics_exporter = "statsig"`).metricsExporter, { kind: "statsig" });
  assert.throws(() => fromToml(`[otel]\ntrace_exporter = "statsig"`), {
    name: "ConfigError",
    message: /otel\.trace_exporter: expected none, otlp-http or otlp-grpc, got "statsig"/,
  });
});

test("invalid settings name the key", () => {
  const cases: [string, RegExp][] = [
    [`[otel.exporter.otlp-http]\nprotocol = "xml"`, /^otel\.exporter\.otlp-http\.protocol: /],
    [
      `[otel.trace_exporter.otlp-http]\nendpoint = "ftp://x"`,
      /^otel\.trace_exporter\.otlp-http\.endpoint: must be an http/,
    ],
    [
      `[otel.trace_exporter.otlp-grpc]\nprotocol = "json"`,
      /^otel\.trace_exporter\.otlp-grpc: Unrecognized key/,
    ],
    [`[otel]\nexporter = { zipkin = {} }`, /^otel\.exporter: expected exactly one of otlp-http or otlp-grpc/],
    [
      `[otel]\nexporter = 5`,
      /^otel\.exporter: expected none, otlp-http or otlp-grpc \(a string or a table\)/,
    ],
    [`[otel.exporter.otlp-http.tls]\nca-cert = "x"`, /^otel\.exporter\.otlp-http\.tls: Unrecognized key/],
    [`[otel]\nlog_user_prompt = "yes"`, /^otel\.log_user_prompt: /],
    [`[otel]\nspan_attributes = { a = 1 }`, /^otel\.span_attributes\.a: /],
    [
      `[otel.exporter.otlp-http.tls]\nclient-certificate = "c.pem"`,
      /^otel\.exporter\.otlp-http\.tls: client-certificate and client-private-key must be given together/,
    ],
    [
      `[otel.exporter.otlp-http]\nheaders = { k = "\${NOPE_NOT_SET}" }`,
      /^otel\.exporter\.otlp-http\.headers\.k: environment variable NOPE_NOT_SET is not set/,
    ],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => fromToml(text),
      (err: Error) => {
        assert.equal(err.name, "ConfigError");
        assert.match(err.message, re, text);
        return true;
      },
    );
  }
});

test("loadConfig validates [otel] with file and line; -c overrides reach the otel settings", () => {
  const home = mkdtempSync(join(tmpdir(), "spool-otelcfg-"));
  writeFileSync(
    join(home, "config.toml"),
    `model = "gpt-5"\n\n[otel.trace_exporter.otlp-http]\nendpoint = "http://127.0.0.1:4318/v1/traces"\nprotocol = "yaml"\n`,
  );
  assert.throws(
    () => loadConfig({ home }),
    (err: Error) => {
      assert.match(err.message, /config\.toml:5: otel\.trace_exporter\.otlp-http\.protocol: /);
      return true;
    },
  );
  const loaded = loadConfig({ home, overrides: ['otel.trace_exporter.otlp-http.protocol="json"'] });
  const s = otelSettingsFromConfig(loaded, {});
  assert.deepEqual(s.traceExporter, {
    kind: "otlp-http",
    endpoint: "http://127.0.0.1:4318/v1/traces",
    protocol: "json",
    headers: {},
  });
  const tls = otelSettingsFromConfig(
    loadConfig({
      home,
      overrides: [
        'otel.trace_exporter.otlp-http.protocol="json"',
        'otel.trace_exporter.otlp-http.tls={ ca-certificate = "ca.pem" }',
      ],
    }),
    {},
  );
  assert.deepEqual(tls.traceExporter.kind === "otlp-http" && tls.traceExporter.tls, {
    caCertificate: join(home, "ca.pem"),
  });
});

test("genai_span_names is a boolean, off by default", () => {
  assert.equal(resolveOtelSettings({ genai_span_names: true }, { dir: DIR }).genaiSpanNames, true);
  assert.throws(
    () => resolveOtelSettings({ genai_span_names: "yes" }, { dir: DIR }),
    /otel\.genai_span_names/,
  );
});
