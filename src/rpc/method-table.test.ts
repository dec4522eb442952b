import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { configureLogging, type LogRecord } from "../telemetry/index.js";
import { RpcConnection } from "./connection.js";
import { InvalidResultError, JsonRpcError } from "./errors.js";
import { createInProcessTransportPair } from "./in-process-transport.js";
import { MethodTable, defineMethod, formatIssuePath, implement } from "./method-table.js";

const hello = defineMethod({
  method: "hello",
  params: z.object({ name: z.string() }),
  result: z.object({ ok: z.boolean() }),
});
const add = defineMethod({
  method: "math/add",
  params: z.object({ terms: z.array(z.number()).default([]) }),
  result: z.object({ sum: z.number() }),
});
const broken = defineMethod({ method: "broken", params: z.object({}), result: z.object({ n: z.number() }) });

function serve(table: MethodTable<{ calls: string[] }>, validateResults = true) {
  const [serverEnd, clientEnd] = createInProcessTransportPair();
  const dispatcher = table.dispatcher({ validateResults });
  const ctx = { calls: [] as string[] };
  const server = new RpcConnection(serverEnd, {
    handler: { handleRequest: (request) => dispatcher.dispatch(request, ctx) },
    maxConcurrentRequests: 8,
  }).start();
  const client = new RpcConnection(clientEnd).start();
  return { client, server, dispatcher, ctx };
}

function rpcError(code: number, message: string | RegExp) {
  return (e: unknown) =>
    e instanceof JsonRpcError &&
    e.code === code &&
    (typeof message === "string" ? e.message === message : message.test(e.message));
}

const TABLE = new MethodTable<{ calls: string[] }>(
  [
    implement(hello, async (params, ctx) => {
      ctx.calls.push(params.name);
      await new Promise((r) => setTimeout(r, 10));
      if (params.name === "fail") throw JsonRpcError.invalidParams("Invalid params: name: refused");
      return { ok: true };
    }),
    implement(add, ({ terms }) => ({ sum: terms.reduce((a, b) => a + b, 0) })),
    // A handler that breaks its own result schema: a server bug the dispatcher catches in tests.
    implement(broken, () => ({ n: "one" }) as unknown as { n: number }),
  ],
  { initialize: "hello" },
);

test("the initialize gate: nothing before it, a failed one may be retried, a second one is refused", async () => {
  const { client, dispatcher } = serve(TABLE);
  await assert.rejects(client.call(add, { terms: [1] }), rpcError(-32600, "Not initialized"));
  await assert.rejects(
    client.call(hello, { name: "fail" }),
    rpcError(-32602, "Invalid params: name: refused"),
  );
  assert.equal(dispatcher.initialized, false);
  assert.deepEqual(await client.call(hello, { name: "a" }), { ok: true });
  assert.equal(dispatcher.initialized, true);
  await assert.rejects(client.call(hello, { name: "b" }), rpcError(-32600, "Already initialized"));
  assert.deepEqual(await client.call(add, { terms: [1, 2, 3] }), { sum: 6 });
});

test("two concurrent initialize requests: exactly one runs", async () => {
  const { client, ctx } = serve(TABLE);
  const results = await Promise.allSettled([
    client.call(hello, { name: "x" }),
    client.call(hello, { name: "y" }),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "rejected"],
  );
  assert.deepEqual(ctx.calls, ["x"]);
});

test("params failing the schema get -32602 naming the path; defaults apply before the handler", async () => {
  const { client } = serve(TABLE);
  await client.call(hello, { name: "a" });
  await assert.rejects(
    client.request("math/add", { terms: [1, "two"] }),
    rpcError(-32602, /^Invalid params: terms\[1\]: /),
  );
  await assert.rejects(client.request("hello", {}), rpcError(-32600, "Already initialized"));
  assert.deepEqual(await client.request("math/add"), { sum: 0 });
  await assert.rejects(client.request("math/sub", {}), rpcError(-32601, "Method not found: math/sub"));
});

test("a result that breaks its schema is -32603 when results are validated, passed through when not", async () => {
  const records: LogRecord[] = [];
  configureLogging({ filter: "warn", sink: (r) => records.push(r) });
  const checked = serve(TABLE);
  await checked.client.call(hello, { name: "a" });
  await assert.rejects(
    checked.client.request("broken", {}),
    rpcError(-32603, /broken produced an invalid result/),
  );
  assert.deepEqual(
    records.map((r) => [r.level, r.fields?.rpc_method, r.fields?.path]),
    [["error", "broken", "n"]],
  );
  const unchecked = serve(TABLE, false);
  await unchecked.client.call(hello, { name: "a" });
  assert.deepEqual(await unchecked.client.request("broken", {}), { n: "one" });
  // The calling side parses with the same descriptor and refuses it, naming the path.
  await assert.rejects(unchecked.client.call(broken, {}), (e: unknown) => {
    assert.ok(e instanceof InvalidResultError);
    assert.equal(e.message, "broken: invalid result: n: Invalid input: expected number, received string");
    return true;
  });
});

test("a table refuses a method registered twice; with() adds methods to a copy", () => {
  assert.throws(() => TABLE.with([implement(add, () => ({ sum: 1 }))]), /math\/add is registered twice/);
  const more = TABLE.with([
    implement(defineMethod({ method: "x", params: z.object({}), result: z.object({}) }), () => ({})),
  ]);
  assert.deepEqual(more.methods, ["hello", "math/add", "broken", "x"]);
  assert.deepEqual(TABLE.methods, ["hello", "math/add", "broken"]);
});

test("issue paths render as clients read them", () => {
  assert.equal(formatIssuePath(["clientInfo", "name"]), "clientInfo.name");
  assert.equal(formatIssuePath(["input", 0, "text"]), "input[0].text");
  assert.equal(formatIssuePath([]), "params");
  assert.equal(formatIssuePath([], "envelope"), "envelope");
});

test("sendError writes an error frame with the given id through the connection", async () => {
  const [a, b] = createInProcessTransportPair();
  const frames: string[] = [];
  const sender = new RpcConnection(a, { onFrame: (dir, f) => dir === "out" && frames.push(f) }).start();
  new RpcConnection(b).start();
  sender.sendError(-1, JsonRpcError.invalidRequest("unexpected notification: x"));
  assert.deepEqual(JSON.parse(frames[0]!), {
    id: -1,
    error: { code: -32600, message: "unexpected notification: x" },
  });
});
