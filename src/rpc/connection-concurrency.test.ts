import { test } from "node:test";
import assert from "node:assert/strict";
import { RpcConnection } from "./connection.js";
import { createInProcessTransportPair } from "./in-process-transport.js";
import type { RpcHandler } from "./connection.js";

function gateHandler(order: string[]): RpcHandler {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    async handleRequest(request) {
      if (request.method === "wait") {
        await gate;
        order.push("wait");
        return { waited: true };
      }
      release();
      order.push("release");
      return { released: true };
    },
  };
}

test("with maxConcurrentRequests a waiting request does not hold up later ones", async () => {
  const order: string[] = [];
  const [a, b] = createInProcessTransportPair();
  const server = new RpcConnection(a, { handler: gateHandler(order), maxConcurrentRequests: 8 }).start();
  const client = new RpcConnection(b).start();
  const waiting = client.request("wait");
  const released = await client.request("release");
  assert.deepEqual(released, { released: true });
  assert.deepEqual(await waiting, { waited: true });
  assert.deepEqual(order, ["release", "wait"]);
  client.close();
  server.close();
});

test("by default requests are handled strictly one after another", async () => {
  const order: string[] = [];
  const [a, b] = createInProcessTransportPair();
  const server = new RpcConnection(a, {
    handler: {
      async handleRequest(request) {
        order.push(`start ${request.method}`);
        await new Promise((resolve) => setImmediate(resolve));
        order.push(`end ${request.method}`);
        return {};
      },
    },
  }).start();
  const client = new RpcConnection(b).start();
  await Promise.all([client.request("one"), client.request("two")]);
  assert.deepEqual(order, ["start one", "end one", "start two", "end two"]);
  client.close();
  server.close();
});

test("bufferedOutboundBytes counts in-process frames until the peer receives them", async () => {
  const [a, b] = createInProcessTransportPair();
  const sender = new RpcConnection(a).start();
  const received = new Promise<void>((resolve) => {
    new RpcConnection(b, {
      handler: { handleRequest: () => ({}), handleNotification: () => resolve() },
    }).start();
  });
  sender.notify("x", { pad: "y".repeat(1000) });
  assert.ok(sender.bufferedOutboundBytes > 1000);
  await received;
  assert.equal(sender.bufferedOutboundBytes, 0);
  sender.close();
});
