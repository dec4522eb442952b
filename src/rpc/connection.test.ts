import { test } from "node:test";
import assert from "node:assert/strict";
import { configureLogging, type LogRecord } from "../telemetry/index.js";
import { ConnectionError, JsonRpcError } from "./errors.js";
import { RpcConnection, type RpcHandler } from "./connection.js";
import { createInProcessTransportPair } from "./in-process-transport.js";
import type { Transport } from "./transport.js";

/** A raw client end: send frames, collect parsed replies. */
function rawClient(transport: Transport) {
  const replies: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  transport.start({
    message: (f) => {
      replies.push(JSON.parse(f) as Record<string, unknown>);
      wake?.();
    },
    oversized: () => {},
    unsupported: () => {},
    undecodable: () => {},
    closed: () => {},
  });
  return {
    replies,
    send: (frame: string) => transport.send(frame),
    async waitFor(n: number) {
      while (replies.length < n) await new Promise<void>((r) => (wake = r));
      return replies;
    },
  };
}

const echo: RpcHandler = {
  handleRequest(request) {
    if (request.method === "echo") return request.params;
    if (request.method === "boom") throw new Error("kaboom");
    if (request.method === "bad") throw JsonRpcError.invalidParams("Invalid params: x: required");
    throw JsonRpcError.methodNotFound(request.method);
  },
};

function serve(handler: RpcHandler, maxQueuedMessages?: number) {
  const [serverEnd, clientEnd] = createInProcessTransportPair();
  const server = new RpcConnection(serverEnd, { handler, maxQueuedMessages }).start();
  return { server, client: rawClient(clientEnd) };
}

test("malformed JSON gets -32700 with id null and the connection keeps answering", async () => {
  const { client } = serve(echo);
  client.send("{not json");
  client.send('{"id":1,"method":"echo","params":{"x":1}}');
  const [err, ok] = await client.waitFor(2);
  assert.deepEqual(err, {
    id: null,
    error: { code: -32700, message: err!.error && (err!.error as { message: string }).message },
  });
  assert.match((err!.error as { message: string }).message, /^Parse error/);
  assert.deepEqual(ok, { id: 1, result: { x: 1 } });
});

test("non-object frames, batches and bad envelopes get -32600", async () => {
  const { client } = serve(echo);
  client.send("42");
  client.send("[]");
  client.send('{"id":{"x":1},"method":"echo"}');
  client.send('{"id":5,"method":7}');
  client.send('{"id":6}');
  client.send('{"id":7,"method":"echo","trace":"nope"}');
  const replies = await client.waitFor(6);
  assert.deepEqual(
    replies.map((r) => [r.id, (r.error as { code: number }).code]),
    [
      [null, -32600],
      [null, -32600],
      [null, -32600],
      [5, -32600],
      [6, -32600],
      [7, -32600],
    ],
  );
  assert.match((replies[6 - 1]!.error as { message: string }).message, /trace/);
});

test("responses, even malformed ones, are never answered", async () => {
  const warnings: LogRecord[] = [];
  configureLogging({ filter: "warn", sink: (r) => warnings.push(r) });
  const { client } = serve(echo);
  client.send('{"id":null,"error":{"code":-32700,"message":"Parse error"}}');
  client.send('{"id":99,"result":{}}');
  client.send('{"id":1,"method":"echo","params":"after"}');
  const replies = await client.waitFor(1);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(replies, [{ id: 1, result: "after" }]);
  assert.deepEqual(
    warnings.map((w) => [w.message, w.fields?.connection_id]),
    [
      ["response without a usable id", "0"],
      ["response to an unknown request id", "0"],
    ],
  );
});

test("a handler crash gets -32603 without a stack on the wire; the stack goes to the log", async () => {
  const records: LogRecord[] = [];
  configureLogging({ filter: "error", sink: (r) => records.push(r) });
  const { client } = serve(echo);
  client.send('{"id":"a","method":"boom"}');
  const [reply] = await client.waitFor(1);
  const error = reply!.error as { code: number; message: string };
  assert.equal(error.code, -32603);
  assert.equal(error.message, "Internal error: kaboom");
  assert.doesNotMatch(JSON.stringify(reply), /at .*connection\.test/);
  assert.equal(records.length, 1);
  assert.match(String(records[0]!.fields?.error), /kaboom\n\s+at /);
});

test("JsonRpcError thrown by a handler reaches the wire with its code and message", async () => {
  const { client } = serve(echo);
  client.send('{"id":2,"method":"bad"}');
  client.send('{"id":3,"method":"nope"}');
  const [a, b] = await client.waitFor(2);
  assert.deepEqual(a, { id: 2, error: { code: -32602, message: "Invalid params: x: required" } });
  assert.deepEqual(b, { id: 3, error: { code: -32601, message: "Method not found: nope" } });
});

test("a full ingress queue answers -32001 and the connection recovers", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const handler: RpcHandler = {
    async handleRequest(request) {
      if (request.method === "slow") await gate;
      return "done";
    },
  };
  const { client } = serve(handler, 2);
  client.send('{"id":1,"method":"slow"}');
  // The first is being handled; two more fill the queue; the rest overflow.
  for (let i = 2; i <= 6; i++) client.send(`{"id":${i},"method":"fast"}`);
  const overloaded = await client.waitFor(3);
  assert.deepEqual(
    overloaded.map((r) => [r.id, (r.error as { code: number; message: string }).message]),
    [
      [4, "Server overloaded; retry later."],
      [5, "Server overloaded; retry later."],
      [6, "Server overloaded; retry later."],
    ],
  );
  assert.equal((overloaded[0]!.error as { code: number }).code, -32001);
  release();
  const all = await client.waitFor(6);
  assert.deepEqual(
    all.slice(3).map((r) => [r.id, r.result]),
    [
      [1, "done"],
      [2, "done"],
      [3, "done"],
    ],
  );
  client.send('{"id":7,"method":"fast"}');
  assert.deepEqual((await client.waitFor(7))[6], { id: 7, result: "done" });
});

test("request() resolves with the peer's result, rejects with its error, and rejects pending calls on close", async () => {
  const [a, b] = createInProcessTransportPair();
  new RpcConnection(a, { handler: echo }).start();
  const client = new RpcConnection(b).start();
  assert.deepEqual(await client.request("echo", { y: 2 }), { y: 2 });
  await assert.rejects(client.request("bad"), (e: unknown) => e instanceof JsonRpcError && e.code === -32602);
  let release!: () => void;
  const [c, d] = createInProcessTransportPair();
  const hanging = new RpcConnection(c, {
    handler: { handleRequest: () => new Promise((r) => (release = () => r(1))) },
  }).start();
  const client2 = new RpcConnection(d).start();
  const pending = client2.request("wait");
  await new Promise((r) => setImmediate(r));
  hanging.close();
  await assert.rejects(pending, ConnectionError);
  release?.();
});

test("sendRequest() names its id, and an aborted request stops waiting and forgets the late answer", async () => {
  const [a, b] = createInProcessTransportPair();
  let answer!: (v: unknown) => void;
  new RpcConnection(a, { handler: { handleRequest: () => new Promise((r) => (answer = r)) } }).start();
  const client = new RpcConnection(b).start();
  const controller = new AbortController();
  const { id, response } = client.sendRequest("wait", {}, { signal: controller.signal });
  assert.equal(typeof id, "number");
  await new Promise((r) => setImmediate(r));
  controller.abort();
  await assert.rejects(response, ConnectionError);
  answer("late");
  await new Promise((r) => setImmediate(r));
  const second = client.sendRequest("wait", {});
  assert.equal(second.id, id + 1);
  await new Promise((r) => setImmediate(r));
  answer("second");
  assert.equal(await second.response, "second");
});
