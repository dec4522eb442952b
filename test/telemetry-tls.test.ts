import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startOtlpReceiver } from "../src/otlp-receiver/index.js";
import { generateTestCerts } from "./support/certs.js";
import { startOtlpGrpcReceiver } from "./support/otlp-grpc-receiver.js";
import { spawnTelemetryChild, tempHome } from "./support/telemetry-child.js";

/** A home whose config.toml names certificates by paths relative to the config directory. */
function homeWithCerts(body: string) {
  const home = tempHome(body);
  const certs = generateTestCerts(join(home, "certs"));
  return { home, certs };
}

const tlsTable = (client: boolean) => `
[otel.trace_exporter."otlp-http".tls]
ca-certificate = "certs/ca.pem"
${client ? 'client-certificate = "certs/client.pem"\nclient-private-key = "certs/client-key.pem"' : ""}
`;

async function exportOnce(home: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawnTelemetryChild(home, { LOG_FORMAT: "json", ...env });
  assert.equal((await child.next()).ready, true);
  const done = await child.send("shutdown");
  assert.equal(await child.exited, 0);
  return { done, stderr: child.stderr() };
}

test("https with a configured CA (relative path) exports to a receiver with a private certificate", async () => {
  const { home, certs } = homeWithCerts("");
  const receiver = await startOtlpReceiver({ tls: { key: certs.serverKey, cert: certs.serverCert } });
  try {
    const config = `[otel.trace_exporter."otlp-http"]\nendpoint = "${receiver.url}/v1/traces"\n${tlsTable(false)}`;
    writeFileSync(join(home, "config.toml"), config);
    const { done } = await exportOnce(home);
    assert.deepEqual(done.dropped, { traces: 0, logs: 0, metrics: 0 });
    await receiver.waitForSpans((s) => s.some((x) => x.name === "session_task.turn"), 5000);
  } finally {
    await receiver.close();
  }
});

test("mutual TLS: the client certificate is presented; without it the export is refused and counted", async () => {
  const { home, certs } = homeWithCerts("");
  const receiver = await startOtlpReceiver({
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestClientCert: true },
  });
  try {
    const base = `[otel.trace_exporter."otlp-http"]\nendpoint = "${receiver.url}/v1/traces"\n`;
    writeFileSync(join(home, "config.toml"), base + tlsTable(true));
    const ok = await exportOnce(home);
    assert.deepEqual(ok.done.dropped, { traces: 0, logs: 0, metrics: 0 });
    await receiver.waitForSpans((s) => s.length > 0, 5000);
    const received = receiver.spans.length;

    writeFileSync(join(home, "config.toml"), base + tlsTable(false));
    const refused = await exportOnce(home);
    const dropped = refused.done.dropped as { traces: number };
    assert.ok(dropped.traces > 0, "spans refused by the mTLS server are counted as dropped");
    assert.equal(receiver.spans.length, received, "nothing arrived without a client certificate");
    const warnings = refused.stderr
      .split("\n")
      .filter((l) => l.includes('"WARN"') && l.includes("OTLP traces export"));
    assert.equal(warnings.length, 1, refused.stderr);
  } finally {
    await receiver.close();
  }
});

test("otlp-grpc over mutual TLS delivers logs, traces and metrics", async () => {
  const { home, certs } = homeWithCerts("");
  const receiver = await startOtlpGrpcReceiver({
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requireClientCert: true },
  });
  try {
    const tls = `tls = { ca-certificate = "certs/ca.pem", client-certificate = "certs/client.pem", client-private-key = "certs/client-key.pem" }`;
    const config = ["exporter", "trace_exporter", "metrics_exporter"]
      .map((k) => `[otel.${k}."otlp-grpc"]\nendpoint = "${receiver.url}"\n${tls}\n`)
      .join("\n");
    writeFileSync(join(home, "config.toml"), config);
    const { done } = await exportOnce(home);
    assert.deepEqual(done.dropped, { traces: 0, logs: 0, metrics: 0 });
    await receiver.waitFor((c) => c.spans.length > 0 && c.logs.length > 0 && c.metrics.length > 0, 5000);
  } finally {
    await receiver.close();
  }
});

test("a TLS file that cannot be read fails at start naming the key", async () => {
  const home = tempHome(
    `[otel.trace_exporter."otlp-http"]\nendpoint = "https://localhost:1/v1/traces"\ntls = { ca-certificate = "missing/ca.pem" }\n`,
  );
  const child = spawnTelemetryChild(home);
  const out = await child.next();
  assert.equal(await child.exited, 2);
  assert.match(
    String(out.error),
    /otel\.trace_exporter\.tls\.ca-certificate: cannot read .*missing\/ca\.pem/,
  );
});
