import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOtlpReceiver, type ReceivedSpan } from "../otlp-receiver/index.js";
import { spawnAppServer } from "./spawn-client.js";

const KIND = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];

function randomCarrier(): { traceparent: string } {
  return { traceparent: `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01` };
}

function describeSpan(s: ReceivedSpan, out: (line: string) => void): void {
  const parent = s.parentSpanId ? `${s.parentSpanId}${s.parentIsRemote ? " (remote)" : ""}` : "none (root)";
  out(`  ${s.name}  [${KIND[s.kind] ?? s.kind}]`);
  out(`    trace ${s.traceId}  span ${s.spanId}  parent ${parent}`);
  for (const [k, v] of Object.entries(s.attributes).sort(([a], [b]) => a.localeCompare(b))) {
    out(`    ${k} = ${JSON.stringify(v)}`);
  }
}

/**
 * The demo session: a real `spool app-server` child over a stdio pipe, exporting its spans over
 * OTLP/HTTP to a receiver in this process; each request's span is printed as read back.
 */
export async function runDemo(
  out: (line: string) => void = (l) => process.stdout.write(l + "\n"),
): Promise<void> {
  const receiver = await startOtlpReceiver();
  const home = mkdtempSync(join(tmpdir(), "spool-demo-"));
  const server = spawnAppServer([], {
    ...process.env,
    SPOOL_HOME: home,
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
  });
  server.child.stderr.on("data", (d: Buffer) => process.stderr.write(d));
  try {
    out(
      `spool demo: app-server pid ${server.child.pid} over stdio; spans → OTLP/HTTP JSON at ${receiver.url}`,
    );
    const requests: [string, unknown][] = [
      ["initialize", { clientInfo: { name: "spool_demo", title: "Spool demo", version: "0.1.0" } }],
      ["model/list", { limit: 2 }],
      ["config/read", { includeLayers: false }],
    ];
    const sent: { method: string; traceparent: string }[] = [];
    for (const [method, params] of requests) {
      const carrier = randomCarrier();
      sent.push({ method, traceparent: carrier.traceparent });
      const result = await server.connection.request(method, params, carrier);
      out(`→ ${method}  trace carrier ${carrier.traceparent}`);
      out(`← ${JSON.stringify(result).slice(0, 160)}`);
      if (method === "initialize") server.connection.notify("initialized");
    }
    const code = await server.stop();
    if (code !== 0) throw new Error(`app-server exited with code ${code}`);
    const spans = await receiver.waitForSpans((s) => s.length >= requests.length, 10_000);
    out("");
    out(`Request spans read back from the exporter (${spans.length}):`);
    for (const { method, traceparent } of sent) {
      const traceId = traceparent.split("-")[1];
      const span = spans.find((s) => s.name === method && s.traceId === traceId);
      if (!span) throw new Error(`no span exported for ${method} in trace ${traceId}`);
      describeSpan(span, out);
    }
  } finally {
    server.child.kill();
    await receiver.close();
    rmSync(home, { recursive: true, force: true });
  }
}
