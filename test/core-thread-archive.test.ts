import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { startScriptedModelServer } from "../src/model-server/index.js";
import { JsonRpcError, RpcConnection, WebSocketTransport } from "../src/rpc/index.js";
import {
  killSpawned,
  openWebSocket,
  scriptedProviderArgs,
  spawnWsAppServer,
} from "./support/spawned-servers.js";
import { CLIENT, handshake, runTurn, schemaProblems, startCoreSession } from "./support/core-server.js";

after(killSpawned);

interface WireThread {
  id: string;
  path: string | null;
  status: { type: string };
  updatedAt: number;
  name: string | null;
  preview: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const answer = (n: number) => ({ output: [{ type: "message" as const, text: `answer ${n}` }] });

async function rejection(p: Promise<unknown>): Promise<JsonRpcError> {
  const err = await p.then(
    () => assert.fail("expected an error"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof JsonRpcError, String(err));
  return err;
}

test("archive moves the history file to archived_sessions/, unarchive brings it back, delete removes it", async () => {
  const s = await startCoreSession({ script: { responses: [answer(1), answer(2)] } });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: WireThread }>("thread/start", {});
    const original = thread.path!;

    // Nothing written yet: there is nothing to archive, and the thread stays loaded.
    const early = await rejection(s.rpc.request("thread/archive", { threadId: thread.id }));
    assert.equal(early.code, -32600);
    assert.equal(early.message, `no rollout found for thread id ${thread.id}`);

    await runTurn(s, thread.id, "keep this one");
    assert.ok(existsSync(original));
    assert.deepEqual(await s.rpc.request("thread/archive", { threadId: thread.id }), {});
    const archived = join(s.home, "archived_sessions", basename(original));
    assert.equal(existsSync(original), false);
    assert.ok(existsSync(archived), "same file name under archived_sessions/");
    await s.waitFor((n) => n.method === "thread/archived" && n.params.threadId === thread.id);
    // Archiving unloads the thread: its subscribers hear it closed.
    await s.waitFor((n) => n.method === "thread/closed" && n.params.threadId === thread.id);

    const list = (archivedToo?: boolean) =>
      s.rpc
        .request<{ data: WireThread[] }>("thread/list", archivedToo ? { archived: true } : {})
        .then((r) => r.data.map((t) => t.id));
    assert.deepEqual(await list(), []);
    assert.deepEqual(await list(true), [thread.id]);
    const resume = await rejection(s.rpc.request("thread/resume", { threadId: thread.id }));
    assert.match(resume.message, /is archived; unarchive it first/);
    const read = await s.rpc.request<{ thread: WireThread }>("thread/read", { threadId: thread.id });
    assert.equal(read.thread.preview, "keep this one", "an archived thread can still be read");
    const twice = await rejection(s.rpc.request("thread/archive", { threadId: thread.id }));
    assert.match(twice.message, /^no rollout found for thread id/);

    const before = Math.floor(Date.now() / 1000);
    const un = await s.rpc.request<{ thread: WireThread }>("thread/unarchive", { threadId: thread.id });
    assert.equal(un.thread.id, thread.id);
    assert.equal(un.thread.status.type, "notLoaded");
    assert.equal(un.thread.name, null);
    assert.equal(un.thread.path, original);
    assert.ok(un.thread.updatedAt >= before, "an unarchived thread lists as recently updated");
    assert.ok(existsSync(original) && !existsSync(archived));
    await s.waitFor((n) => n.method === "thread/unarchived" && n.params.threadId === thread.id);
    assert.deepEqual(await list(), [thread.id]);
    assert.deepEqual(await list(true), []);
    const again = await rejection(s.rpc.request("thread/unarchive", { threadId: thread.id }));
    assert.match(again.message, /^no archived rollout found for thread id/);

    // Resumable again, and its history is whole.
    await s.rpc.request("thread/resume", { threadId: thread.id });
    await runTurn(s, thread.id, "after the round trip");
    const sent = JSON.stringify(s.model.requests[1]!.body);
    assert.ok(sent.includes("keep this one") && sent.includes("answer 1"), "the first turn is re-sent");

    assert.deepEqual(await s.rpc.request("thread/delete", { threadId: thread.id }), {});
    assert.equal(existsSync(original), false);
    await s.waitFor((n) => n.method === "thread/deleted" && n.params.threadId === thread.id);
    assert.deepEqual(await list(), []);
    const gone = await rejection(s.rpc.request("thread/delete", { threadId: thread.id }));
    assert.equal(gone.message, `thread not found: ${thread.id}`);

    assert.equal(await s.stop(), 0);
    assert.deepEqual(schemaProblems(s.frames), []);
  } finally {
    await s.model.close();
  }
});

test("archived threads survive a restart with the index rebuilt from the files", async () => {
  const model = await startScriptedModelServer({ script: { responses: [answer(1), answer(2)] } });
  try {
    const first = await startCoreSession({ model });
    await handshake(first);
    const ids: string[] = [];
    for (const text of ["archived one", "active one"]) {
      const { thread } = await first.rpc.request<{ thread: WireThread }>("thread/start", {});
      await runTurn(first, thread.id, text);
      ids.push(thread.id);
    }
    await first.rpc.request("thread/archive", { threadId: ids[0] });
    assert.equal(await first.stop(), 0);
    for (const f of readdirSync(first.home)) if (f.startsWith("threads.sqlite")) rmSync(join(first.home, f));

    const second = await startCoreSession({ model, home: first.home });
    await handshake(second);
    const active = await second.rpc.request<{ data: WireThread[] }>("thread/list", {});
    const archived = await second.rpc.request<{ data: WireThread[] }>("thread/list", { archived: true });
    assert.deepEqual(
      active.data.map((t) => t.id),
      [ids[1]],
    );
    assert.deepEqual(
      archived.data.map((t) => [t.id, t.preview]),
      [[ids[0], "archived one"]],
    );
    // thread/search: the same index, by preview, with its archived filter.
    const found = await second.rpc.request<{ data: { snippet: string; thread: WireThread }[] }>(
      "thread/search",
      { searchTerm: "ACTIVE" },
    );
    assert.deepEqual(
      found.data.map((r) => [r.thread.id, r.snippet]),
      [[ids[1], "active one"]],
    );
    const inArchive = await second.rpc.request<{ data: { thread: WireThread }[] }>("thread/search", {
      searchTerm: "one",
      archived: true,
    });
    assert.deepEqual(
      inArchive.data.map((r) => r.thread.id),
      [ids[0]],
    );
    assert.equal(await second.stop(), 0);
    assert.deepEqual(schemaProblems(second.frames), []);
  } finally {
    await model.close();
  }
});

test("every connection hears thread/archived, subscribed or not", async () => {
  const model = await startScriptedModelServer({ script: { responses: [answer(1)] } });
  const home = mkdtempSync(join(tmpdir(), "spool-archive-home-"));
  const s = await spawnWsAppServer(
    { ...process.env, SPOOL_HOME: home, SPOOL_LOG: "warn", OTEL_SDK_DISABLED: "true" },
    "ws://127.0.0.1:0",
    scriptedProviderArgs(model.url),
  );
  const heard: Record<string, string[]> = { owner: [], other: [] };
  const connect = async (name: string) => {
    const handler = {
      handleRequest: () => ({}),
      handleNotification: (method: string, params: unknown) =>
        heard[name]!.push(`${method} ${(params as { threadId?: string }).threadId ?? ""}`),
    };
    const c = new RpcConnection(new WebSocketTransport(await openWebSocket(s.url)), { handler }).start();
    await c.request("initialize", CLIENT);
    c.notify("initialized");
    return c;
  };
  try {
    const owner = await connect("owner");
    const other = await connect("other");
    const { thread } = await owner.request<{ thread: WireThread }>("thread/start", {});
    await owner.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "hi" }] });
    const deadline = Date.now() + 10_000;
    while (!heard.owner!.includes(`turn/completed ${thread.id}`) && Date.now() < deadline) await sleep(20);
    await owner.request("thread/archive", { threadId: thread.id });
    while (!heard.other!.includes(`thread/archived ${thread.id}`) && Date.now() < deadline) await sleep(20);
    assert.ok(heard.other!.includes(`thread/archived ${thread.id}`), heard.other!.join("\n"));
    assert.ok(heard.owner!.includes(`thread/archived ${thread.id}`));
    assert.equal(
      heard.other!.some((h) => h.startsWith("turn/")),
      false,
      "the other connection never subscribed to the thread's turns",
    );
    owner.close();
    other.close();
  } finally {
    s.child.kill("SIGTERM");
    await s.exit;
    await model.close();
  }
});
