import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { APP_SERVER_METHODS, ConnectionSession } from "../src/app-server/index.js";
import { JsonRpcError, defineMethod, implement } from "../src/rpc/index.js";
import { CLIENT_INFO, inProcessAppServer } from "./support/app-server-harness.js";

function rpcError(code: number, message: RegExp | string) {
  return (e: unknown) =>
    e instanceof JsonRpcError &&
    e.code === code &&
    (typeof message === "string" ? e.message === message : message.test(e.message));
}

test("requests before initialize get Not initialized; a second initialize gets Already initialized", async () => {
  const { client } = inProcessAppServer();
  await assert.rejects(client.request("model/list", {}), rpcError(-32600, "Not initialized"));
  const result = await client.request<{ userAgent: string; codexHome: string; platformFamily: string }>(
    "initialize",
    CLIENT_INFO,
  );
  assert.equal(result.platformFamily, "unix");
  assert.match(result.userAgent, /^spool\/\S+ .* spool_tests\/9\.9\.9$/);
  assert.ok(result.codexHome.startsWith("/"));
  await assert.rejects(client.request("initialize", CLIENT_INFO), rpcError(-32600, "Already initialized"));
});

test("unknown methods get -32601 and bad params get -32602 naming the path", async () => {
  const { client } = inProcessAppServer();
  await assert.rejects(
    client.request("initialize", { clientInfo: { name: 5, version: "1" } }),
    rpcError(-32602, /^Invalid params: clientInfo\.name: /),
  );
  await client.request("initialize", CLIENT_INFO);
  await assert.rejects(
    client.request("thread/teleport", {}),
    rpcError(-32601, "Method not found: thread/teleport"),
  );
  await assert.rejects(
    client.request("model/list", { limit: -1 }),
    rpcError(-32602, /^Invalid params: limit: /),
  );
  await assert.rejects(client.request("model/list", { cursor: "bogus" }), rpcError(-32602, /cursor/));
  await assert.rejects(
    client.request("model/list", { modelProvider: "nope" }),
    rpcError(-32602, /modelProvider/),
  );
});

test("model/list pages through the catalog with an opaque cursor and hides hidden models", async () => {
  const { client } = inProcessAppServer([
    'model_catalog=[{ id = "a" }, { id = "b", hidden = true }, { id = "c" }, { id = "d", is_default = true }]',
    "model=c",
  ]);
  await client.request("initialize", CLIENT_INFO);
  type Page = { data: { id: string; isDefault: boolean; hidden: boolean }[]; nextCursor: string | null };
  const first = await client.request<Page>("model/list", { limit: 2 });
  assert.deepEqual(
    first.data.map((m) => m.id),
    ["a", "c"],
  );
  assert.ok(first.nextCursor);
  const second = await client.request<Page>("model/list", { limit: 2, cursor: first.nextCursor });
  assert.deepEqual(
    second.data.map((m) => m.id),
    ["d"],
  );
  assert.equal(second.nextCursor, null);
  const all = await client.request<Page>("model/list", { includeHidden: true });
  assert.deepEqual(
    all.data.map((m) => [m.id, m.isDefault, m.hidden]),
    [
      ["a", false, false],
      ["b", false, true],
      ["c", true, false],
      ["d", false, false],
    ],
  );
});

test("model/list serves the built-in catalog when none is configured", async () => {
  const { client } = inProcessAppServer();
  await client.request("initialize", CLIENT_INFO);
  const page = await client.request<{ data: { id: string; isDefault: boolean }[] }>("model/list", {});
  assert.ok(page.data.length >= 2);
  assert.equal(page.data.filter((m) => m.isDefault).length, 1);
});

test("config/read returns the effective config with origins, and layers on request", async () => {
  const { client } = inProcessAppServer(["model=gpt-5.1", "sandbox_mode=read-only"]);
  await client.request("initialize", CLIENT_INFO);
  type Read = {
    config: Record<string, unknown>;
    origins: Record<string, { name: { type: string } }>;
    layers: { name: { type: string } }[] | null;
  };
  const read = await client.request<Read>("config/read", {});
  assert.equal(read.config.model, "gpt-5.1");
  assert.equal(read.config.sandbox_mode, "read-only");
  assert.equal(read.config.model_provider, "openai");
  assert.equal(read.origins.model!.name.type, "sessionFlags");
  assert.equal(read.layers, null);
  const withLayers = await client.request<Read>("config/read", { includeLayers: true });
  assert.deepEqual(
    withLayers.layers!.map((l) => l.name.type),
    ["sessionFlags", "user"],
  );
});

test("a connection's opted-out notification methods are not sent", () => {
  const sent: string[] = [];
  const session = new ConnectionSession("1", (method) => sent.push(method));
  session.initialize({
    clientInfo: { name: "c", version: "1" },
    capabilities: { optOutNotificationMethods: ["thread/started", "no/such"] },
  });
  assert.equal(session.notify("thread/started", {}), false);
  assert.equal(session.notify("turn/started", {}), true);
  assert.deepEqual(sent, ["turn/started"]);
});

test("a Codex config.toml with on-failure and an unused provider Spool cannot serve still starts", async () => {
  const { client } = inProcessAppServer([
    "approval_policy=on-failure",
    'model_providers.ollama={ name = "Ollama", base_url = "http://127.0.0.1:11434/v1", wire_api = "chat" }',
  ]);
  await client.request("initialize", CLIENT_INFO);
  const read = await client.request<{ config: Record<string, unknown> }>("config/read", {});
  assert.equal(read.config.approval_policy, "on-failure");
  await assert.rejects(
    client.request("model/list", { modelProvider: "ollama" }),
    rpcError(-32602, /unknown provider "ollama"/),
  );
});

test("the provider model_provider selects must be valid: its error names the key", () => {
  assert.throws(
    () =>
      inProcessAppServer([
        "model_provider=ollama",
        'model_providers.ollama={ name = "Ollama", base_url = "http://127.0.0.1:11434/v1", wire_api = "chat" }',
      ]),
    /model_providers\.ollama\.wire_api/,
  );
});

test("opted-out notifications never reach the client through a real connection", async () => {
  // A method that notifies, standing in for the thread/turn methods that will.
  const notifyTwice = defineMethod({ method: "test/notify", params: z.object({}), result: z.object({}) });
  const methods = APP_SERVER_METHODS.with([
    implement(notifyTwice, (_params, { session }) => {
      session.notify("thread/started", { n: 1 });
      session.notify("turn/started", { n: 2 });
      return {};
    }),
  ]);
  const received: string[] = [];
  const { client } = inProcessAppServer(
    [],
    { methods },
    { handler: { handleRequest: () => ({}), handleNotification: (m) => void received.push(m) } },
  );
  await client.request("initialize", {
    ...CLIENT_INFO,
    capabilities: { optOutNotificationMethods: ["thread/started"] },
  });
  await client.request("test/notify", {});
  await client.request("model/list", {});
  assert.deepEqual(received, ["turn/started"]);
});
