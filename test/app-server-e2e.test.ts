import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { WebSocket } from "ws";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../src/otlp-receiver/index.js";
import { RpcConnection, StreamTransport } from "../src/rpc/index.js";
import {
  badFrame,
  killSpawned,
  openWebSocket,
  spawnSpool,
  spawnWsAppServer,
  tracingEnv,
  wsClient,
} from "./support/spawned-servers.js";

const CLIENT = { clientInfo: { name: "e2e_client", version: "1.2.3" } };
const FLOOD = 10_000;
let receiver: OtlpReceiver;

before(async () => {
  receiver = await startOtlpReceiver();
});
after(async () => {
  killSpawned();
  await receiver.close();
});

function carrier(n: number) {
  const traceId = n.toString(16).padStart(32, "a");
  return { traceId, trace: { traceparent: `00-${traceId}-${"b".repeat(16)}-01` } };
}

function spanIn(traceId: string, name: string): (spans: ReceivedSpan[]) => boolean {
  return (spans) => spans.some((s) => s.traceId === traceId && s.name === name);
}

test("stdio: request spans reach an OTLP receiver parented by the envelope carrier", async () => {
  const s = spawnSpool(["app-server"], tracingEnv(receiver.url));
  const client = new RpcConnection(new StreamTransport(s.child.stdout, s.child.stdin)).start();
  const { traceId, trace } = carrier(1);
  await client.request("initialize", CLIENT, trace);
  client.notify("initialized");
  await client.request("model/list", {}, trace);
  s.child.stdin.end();
  assert.equal((await s.exit).code, 0);
  const spans = await receiver.waitForSpans(spanIn(traceId, "model/list"));
  const span = spans.find((x) => x.traceId === traceId && x.name === "model/list")!;
  assert.equal(span.kind, 2);
  assert.equal(span.parentSpanId, "b".repeat(16));
  assert.equal(span.parentIsRemote, true);
  assert.equal(span.attributes["rpc.transport"], "stdio");
  assert.equal(span.attributes["app_server.client_name"], "e2e_client");
  assert.equal(span.attributes["app_server.client_version"], "1.2.3");
  assert.equal(span.resource["service.name"], "spool");
});

test("stdio: 10,000 malformed or invalid frames get 10,000 JSON-RPC errors and the connection still answers", async () => {
  const s = spawnSpool(["app-server"], tracingEnv(receiver.url, { SPOOL_LOG: "error" }));
  const replies: Record<string, unknown>[] = [];
  const rl = createInterface({ input: s.child.stdout });
  let wake: (() => void) | undefined;
  rl.on("line", (line) => {
    replies.push(JSON.parse(line) as Record<string, unknown>);
    wake?.();
  });
  const until = async (n: number) => {
    while (replies.length < n) await new Promise<void>((r) => (wake = r));
  };
  s.child.stdin.write(`{"id":"init","method":"initialize","params":${JSON.stringify(CLIENT)}}\n`);
  await until(1);
  let batch = "";
  for (let i = 0; i < FLOOD; i++) batch += badFrame(i) + "\n";
  s.child.stdin.write(batch);
  await until(1 + FLOOD);
  const errors = replies.slice(1).filter((r) => typeof (r.error as { code?: unknown })?.code === "number");
  assert.equal(errors.length, FLOOD);
  const codes = new Set(errors.map((r) => (r.error as { code: number }).code));
  assert.deepEqual([...codes].sort(), [-32700, -32602, -32601, -32600].sort());
  s.child.stdin.write('{"id":"alive","method":"model/list","params":{}}\n');
  await until(2 + FLOOD);
  assert.equal(replies.at(-1)!.id, "alive");
  assert.ok(Array.isArray((replies.at(-1)!.result as { data: unknown[] }).data));
  s.child.stdin.end();
  assert.equal((await s.exit).code, 0);
});

test("stdio: a client that writes its requests and closes stdin still gets every answer", async () => {
  const s = spawnSpool(["app-server"], tracingEnv(receiver.url));
  let out = "";
  s.child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  let input = `{"id":0,"method":"initialize","params":${JSON.stringify(CLIENT)}}\n{"method":"initialized"}\n`;
  // 1,000 stays within the ingress queue's bound (1,024); past it the server sheds with -32001.
  for (let i = 1; i < 1000; i++) input += `{"id":${i},"method":"model/list","params":{}}\n`;
  s.child.stdin.end(input);
  assert.equal((await s.exit).code, 0);
  const replies = out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { id: number; result?: unknown });
  assert.equal(replies.length, 1000);
  assert.deepEqual(
    replies.map((r) => r.id),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.ok(replies.every((r) => r.result !== undefined));
});

test("stdio: OTEL_TRACES_EXPORTER=console prints spans on stderr and stdout stays pure JSON-RPC", async () => {
  const s = spawnSpool(["app-server"], { ...tracingEnv(receiver.url), OTEL_TRACES_EXPORTER: "console" });
  let out = "";
  s.child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  s.child.stdin.end(
    `{"id":1,"method":"initialize","params":${JSON.stringify(CLIENT)}}\n{"id":2,"method":"model/list","params":{}}\n`,
  );
  assert.equal((await s.exit).code, 0);
  const lines = out.trim().split("\n");
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { id: number }).id),
    [1, 2],
  );
  assert.match(s.stderr(), /name: 'model\/list'/);
  assert.match(s.stderr(), /'rpc\.transport': 'stdio'/);
});

test("stdio: a frame over the size limit gets an error, not a crash", async () => {
  const s = spawnSpool(["app-server", "--max-frame-bytes", "1024"], tracingEnv(receiver.url));
  const client = new RpcConnection(new StreamTransport(s.child.stdout, s.child.stdin)).start();
  await client.request("initialize", CLIENT);
  const lines: string[] = [];
  s.child.stdout.on("data", (d: Buffer) => lines.push(d.toString()));
  s.child.stdin.write(`{"id":"big","method":"model/list","params":{"pad":"${"x".repeat(5000)}"}}\n`);
  const result = await client.request<{ data: unknown[] }>("model/list", {});
  assert.ok(result.data.length > 0);
  assert.match(
    lines.join(""),
    /"id":null,"error":\{"code":-32600,"message":"message of 50\d\d bytes exceeds the size limit"/,
  );
  s.child.stdin.end();
  assert.equal((await s.exit).code, 0);
});

test("websocket: request spans say rpc.transport=websocket and the flood is answered frame for frame", async () => {
  const s = await spawnWsAppServer(tracingEnv(receiver.url, { SPOOL_LOG: "error" }));
  const client = await wsClient(s.url);
  const { traceId, trace } = carrier(2);
  await client.request("initialize", CLIENT, trace);
  await client.request("config/read", {}, trace);
  const ws = await openWebSocket(s.url);
  let count = 0;
  let wake: (() => void) | undefined;
  const replies: Record<string, unknown>[] = [];
  ws.on("message", (d) => {
    count++;
    replies.push(JSON.parse(String(d)) as Record<string, unknown>);
    wake?.();
  });
  ws.send(JSON.stringify({ id: "init", method: "initialize", params: CLIENT }));
  for (let i = 0; i < FLOOD; i++) ws.send(badFrame(i));
  ws.send(Buffer.from([1, 2, 3]), { binary: true });
  while (count < FLOOD + 2) await new Promise<void>((r) => (wake = r));
  // Frames that fail to parse are answered at once, ahead of queued requests, so look up by id.
  assert.ok(replies.find((r) => r.id === "init")!.result);
  const errors = replies.filter((r) => r.error !== undefined);
  assert.equal(errors.length, FLOOD + 1);
  const codes = new Set(errors.map((r) => (r.error as { code: number }).code));
  assert.deepEqual([...codes].sort(), [-32700, -32602, -32601, -32600].sort(), "no -32001: nothing was shed");
  const after = await client.request<{ config: object }>("config/read", {});
  assert.ok(after.config);
  ws.close();
  client.close();
  s.child.kill("SIGTERM");
  const exit = await s.exit;
  assert.equal(exit.code, 143, "SIGTERM flushes telemetry and exits with 128+15");
  const spans = await receiver.waitForSpans(spanIn(traceId, "config/read"));
  const span = spans.find((x) => x.traceId === traceId && x.name === "config/read")!;
  assert.equal(span.attributes["rpc.transport"], "websocket");
  assert.equal(span.parentSpanId, "b".repeat(16));
});

function httpGet(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

test("websocket: /readyz and /healthz answer 200; any request with an Origin header gets 403", async () => {
  const s = await spawnWsAppServer(tracingEnv(receiver.url));
  const http = s.url.replace("ws://", "http://");
  assert.equal(await httpGet(`${http}/readyz`), 200);
  assert.equal(await httpGet(`${http}/healthz`), 200);
  assert.equal(await httpGet(`${http}/healthz`, { origin: "https://evil.example" }), 403);
  const ws = new WebSocket(s.url, { headers: { origin: "https://evil.example" } });
  const status = await new Promise<number>((resolve) =>
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
  );
  assert.equal(status, 403);
  s.child.kill("SIGTERM");
  await s.exit;
});

test("an unknown model_provider fails at start naming the key, before anything is served", async () => {
  const s = spawnSpool(["app-server", "-c", "model_provider=nowhere"], tracingEnv(receiver.url));
  const exit = await s.exit;
  assert.equal(exit.code, 2);
  assert.match(s.stderr(), /config error: .*model_provider.*nowhere/);
});

test("a non-loopback listener without a token refuses to start", async () => {
  const env = tracingEnv(receiver.url);
  delete env.SPOOL_WS_TOKEN;
  const s = spawnSpool(["app-server", "--listen", "ws://0.0.0.0:0"], env);
  const exit = await s.exit;
  assert.equal(exit.code, 2);
  assert.match(s.stderr(), /refusing to listen on non-loopback address 0\.0\.0\.0 without a token/);
});

test("with a token, a handshake with a wrong or missing bearer gets 401 and the right one connects", async () => {
  const env = tracingEnv(receiver.url);
  const tokenFile = join(env.SPOOL_HOME!, "token");
  writeFileSync(tokenFile, "s3cret-token\n");
  const s = await spawnWsAppServer(env, "ws://0.0.0.0:0", ["--ws-token-file", tokenFile]);
  const url = s.url.replace("0.0.0.0", "127.0.0.1");
  for (const headers of [
    {},
    { authorization: "Bearer wrong" },
    { authorization: "Basic czNjcmV0LXRva2Vu" },
  ]) {
    const ws = new WebSocket(url, { headers });
    const status = await new Promise<number>((resolve) =>
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
    );
    assert.equal(status, 401, JSON.stringify(headers));
  }
  const client = await wsClient(url, { authorization: "Bearer s3cret-token" });
  const init = await client.request<{ platformOs: string }>("initialize", CLIENT);
  assert.equal(init.platformOs, "linux");
  client.close();
  s.child.kill("SIGTERM");
  await s.exit;
});
