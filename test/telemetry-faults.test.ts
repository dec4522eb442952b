import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { startOtlpReceiver, type OtlpFault } from "../src/otlp-receiver/index.js";
import { spawnTelemetryChild, tempHome, type TelemetryChild } from "./support/telemetry-child.js";

const SHUTDOWN_BOUND_MS = 1500;

function config(url: string): string {
  return ["exporter", "trace_exporter", "metrics_exporter"]
    .map((k) => {
      const path = k === "exporter" ? "logs" : k === "trace_exporter" ? "traces" : "metrics";
      return `[otel.${k}."otlp-http"]\nendpoint = "${url}/v1/${path}"\nprotocol = "binary"\n`;
    })
    .join("\n");
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

function spawnFaulty(url: string): TelemetryChild {
  return spawnTelemetryChild(tempHome(config(url)), {
    LOG_FORMAT: "json",
    CHILD_SHUTDOWN_MS: String(SHUTDOWN_BOUND_MS),
    // Export quickly so the failure happens while the child is still serving.
    OTEL_BSP_SCHEDULE_DELAY: "50",
    OTEL_BLRP_SCHEDULE_DELAY: "50",
  });
}

function exportWarnings(stderr: string): { signal: string; dropped: number; message: string }[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: string; target: string; fields: Record<string, unknown> })
    .filter((l) => l.level === "WARN" && l.target === "spool_otel::exporter")
    .map((l) => ({
      signal: String(l.fields.signal),
      dropped: Number(l.fields.dropped),
      message: String(l.fields.message),
    }));
}

async function assertSurvivesAndShutsDown(child: TelemetryChild): Promise<Record<string, unknown>> {
  assert.deepEqual(await child.send("ping"), { pong: true }, "still answering while the exporter fails");
  assert.deepEqual(await child.send("emit"), { emitted: 2 });
  assert.deepEqual(await child.send("ping"), { pong: true });
  const done = await child.send("shutdown");
  assert.equal(await child.exited, 0);
  assert.ok(
    Number(done.shutdownMs) < SHUTDOWN_BOUND_MS + 500,
    `shutdown returned within its bound (took ${String(done.shutdownMs)} ms)`,
  );
  return done;
}

test("exporter pointed at a closed port: one warning per signal with a count, the session goes on", async () => {
  const child = spawnFaulty(await closedPortUrl());
  assert.equal((await child.next()).ready, true);
  const done = await assertSurvivesAndShutsDown(child);
  const dropped = done.dropped as Record<string, number>;
  assert.ok(dropped.traces! > 0 && dropped.logs! > 0, JSON.stringify(dropped));
  const warnings = exportWarnings(child.stderr());
  for (const signal of ["traces", "logs", "metrics"]) {
    const mine = warnings.filter((w) => w.signal === signal);
    assert.equal(mine.length, 1, `${signal}: ${JSON.stringify(warnings)}`);
    assert.ok(mine[0]!.dropped > 0, "the warning carries a count of dropped items");
  }
  assert.ok(!child.stderr().includes("at "), "no stack traces leak to stderr");
});

for (const fault of ["500", "hang"] as OtlpFault[]) {
  test(`receiver that ${fault === "500" ? "answers 500" : "hangs"}: the session goes on, shutdown stays bounded`, async () => {
    const receiver = await startOtlpReceiver({ fault });
    try {
      const child = spawnFaulty(receiver.url);
      assert.equal((await child.next()).ready, true);
      await receiver.waitForFaults(1, 5000);
      const done = await assertSurvivesAndShutsDown(child);
      const dropped = done.dropped as Record<string, number>;
      assert.ok(dropped.traces! > 0, JSON.stringify(dropped));
      const traceWarnings = exportWarnings(child.stderr()).filter((w) => w.signal === "traces");
      if (fault === "500") {
        assert.equal(
          traceWarnings[0]?.message,
          "OTLP traces export failed; dropping telemetry and continuing",
        );
      }
      assert.equal(traceWarnings.length, 1, JSON.stringify(traceWarnings));
      assert.equal(receiver.spans.length, 0);
    } finally {
      await receiver.close();
    }
  });
}

test("installed telemetry never keeps the process alive: it exits without calling shutdown", async () => {
  const url = await closedPortUrl();
  const script = `
    import { installTelemetry, defaultOtelSettings, withSpan } from "./dist/telemetry/index.js";
    const http = (path) => ({ kind: "otlp-http", endpoint: "${url}" + path, protocol: "binary", headers: {} });
    installTelemetry({ settings: { ...defaultOtelSettings(), traceExporter: http("/v1/traces"),
      exporter: http("/v1/logs"), metricsExporter: http("/v1/metrics") } });
    withSpan("s", {}, () => {});
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" });
  const t0 = Date.now();
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 0);
  assert.ok(Date.now() - t0 < 3000, "timers are unref'ed");
});
