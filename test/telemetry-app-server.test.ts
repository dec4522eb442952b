import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { startOtlpReceiver } from "../src/otlp-receiver/index.js";
import { tempHome } from "./support/telemetry-child.js";

const MAIN = new URL("../dist/cli/main.js", import.meta.url).pathname;

/** `spool app-server` over stdio with SPOOL_HOME=home; returns a request function and the exit. */
function spawnAppServer(home: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OTEL_")) clean[k] = v;
  const proc = spawn(process.execPath, [MAIN, "app-server", ...args], {
    env: { ...clean, SPOOL_HOME: home, RUST_LOG: "warn", LOG_FORMAT: "json", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const pending = new Map<number, (msg: Record<string, unknown>) => void>();
  createInterface({ input: proc.stdout }).on("line", (line) => {
    const msg = JSON.parse(line) as Record<string, unknown>;
    if (typeof msg.id === "number") pending.get(msg.id)?.(msg);
  });
  let next = 1;
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return {
    stderr: () => stderr,
    exited,
    request(method: string, params: unknown = {}) {
      const id = next++;
      proc.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
      return new Promise<Record<string, unknown>>((resolve) => pending.set(id, resolve));
    },
    notify(method: string) {
      proc.stdin.write(JSON.stringify({ jsonrpc: "2.0", method }) + "\n");
    },
    close() {
      proc.stdin.end();
    },
  };
}

const CLIENT_INFO = { clientInfo: { name: "otel_e2e", title: "OTel e2e", version: "1.0.0" } };

test("spool app-server exports its request spans over OTLP/protobuf per [otel], with span_attributes", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const home = tempHome(`
[otel]
environment = "e2e"
span_attributes = { "deployment" = "ci" }

[otel.trace_exporter."otlp-http"]
endpoint = "${receiver.url}/v1/traces"
protocol = "binary"
`);
    const server = spawnAppServer(home);
    assert.ok("result" in (await server.request("initialize", CLIENT_INFO)));
    server.notify("initialized");
    const list = await server.request("model/list", {});
    assert.ok("result" in list, JSON.stringify(list));
    server.close();
    assert.equal(await server.exited, 0, server.stderr());
    await receiver.waitForSpans((s) => s.some((x) => x.name === "model/list"), 5000);
    const span = receiver.spans.find((s) => s.name === "model/list")!;
    assert.equal(span.kind, 2);
    assert.equal(span.attributes["rpc.method"], "model/list");
    assert.equal(span.attributes.deployment, "ci");
    assert.equal(span.resource["service.name"], "spool");
    assert.equal(span.resource.env, "e2e");
    assert.ok(receiver.requests.every((r) => r.contentType === "application/x-protobuf"));
  } finally {
    await receiver.close();
  }
});

test("spool app-server keeps answering with its trace exporter down: one warning, prompt exit", async () => {
  const receiver = await startOtlpReceiver({ fault: "500" });
  try {
    const home = tempHome("");
    const server = spawnAppServer(
      home,
      [
        "-c",
        `otel.trace_exporter={ otlp-http = { endpoint = "${receiver.url}/v1/traces", protocol = "json" } }`,
      ],
      { OTEL_BSP_SCHEDULE_DELAY: "20" },
    );
    await server.request("initialize", CLIENT_INFO);
    server.notify("initialized");
    await server.request("model/list", {});
    await receiver.waitForFaults(1, 5000);
    for (let i = 0; i < 3; i++) assert.ok("result" in (await server.request("model/list", {})));
    const t0 = Date.now();
    server.close();
    assert.equal(await server.exited, 0);
    assert.ok(Date.now() - t0 < 5000, "shutdown stays within its bound");
    const warnings = server
      .stderr()
      .split("\n")
      .filter((l) => l.includes('"target":"spool_otel::exporter"') && l.includes('"level":"WARN"'));
    assert.equal(warnings.length, 1, server.stderr());
    assert.match(warnings[0]!, /"dropped":\d+/);
  } finally {
    await receiver.close();
  }
});

test("spool app-server refuses to start on invalid [otel] settings, naming the key", async () => {
  const home = tempHome(`[otel]\ntrace_exporter = { otlp-http = { endpoint = "not a url" } }\n`);
  const server = spawnAppServer(home);
  assert.equal(await server.exited, 2);
  assert.match(
    server.stderr(),
    /config error: .*config\.toml:2: otel\.trace_exporter\.otlp-http\.endpoint: must be an http/,
  );
});
