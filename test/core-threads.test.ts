import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startScriptedModelServer } from "../src/model-server/index.js";
import { killSpawned } from "./support/spawned-servers.js";
import { handshake, runTurn, startCoreSession, type CoreSession } from "./support/core-server.js";

after(killSpawned);

interface WireTurn {
  id: string;
  status: string;
  items: { type: string; text?: string; id: string }[];
  itemsView: string;
}
interface WireThread {
  id: string;
  preview: string;
  status: { type: string };
  turns: WireTurn[];
  forkedFromId?: string | null;
  path: string | null;
}

const answer = (n: number) => ({ output: [{ type: "message" as const, text: `answer ${n}` }] });

async function startThread(s: CoreSession, params: Record<string, unknown> = {}): Promise<WireThread> {
  return (await s.rpc.request<{ thread: WireThread }>("thread/start", params)).thread;
}

function historyFiles(home: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      if (n.isDirectory()) walk(join(d, n.name));
      else if (n.name.endsWith(".jsonl")) out.push(join(d, n.name));
    }
  };
  if (existsSync(join(home, "sessions"))) walk(join(home, "sessions"));
  return out;
}

test("two turns in one thread: the second request re-sends the whole history", async () => {
  const s = await startCoreSession({ script: { responses: [answer(1), answer(2)] } });
  try {
    await handshake(s);
    const thread = await startThread(s);
    await runTurn(s, thread.id, "first");
    await runTurn(s, thread.id, "second");
    const [r1, r2] = s.model.requests.map((r) => r.body as { input: unknown[]; store: boolean });
    assert.equal(r1!.store, false);
    assert.equal((r1 as { previous_response_id?: string }).previous_response_id, undefined);
    // base instructions, environment context, user message; then + answer + next user message.
    assert.equal(r1!.input.length, 3);
    assert.equal(r2!.input.length, 5);
    assert.deepEqual(r2!.input.slice(0, 3), r1!.input);
    const usage = s.notifications.filter((n) => n.method === "thread/tokenUsage/updated");
    assert.equal(usage.length, 2);
    const read = await s.rpc.request<{ thread: WireThread }>("thread/read", {
      threadId: thread.id,
      includeTurns: true,
    });
    assert.deepEqual(
      read.thread.turns.map((t) => [t.status, t.itemsView, t.items.map((i) => i.type)]),
      [
        ["completed", "full", ["userMessage", "agentMessage"]],
        ["completed", "full", ["userMessage", "agentMessage"]],
      ],
    );
    assert.equal(read.thread.preview, "first");
    assert.equal(await s.stop(), 0);
  } finally {
    await s.model.close();
  }
});

test("thread/start writes nothing until the first turn; ephemeral threads are never written", async () => {
  const s = await startCoreSession({ script: { responses: [answer(1)], on_exhausted: "repeat_last" } });
  try {
    await handshake(s);
    const plain = await startThread(s);
    assert.ok(plain.path);
    assert.equal(historyFiles(s.home).length, 0);
    const eph = await startThread(s, { ephemeral: true });
    assert.equal(eph.path, null);
    await runTurn(s, eph.id, "ephemeral turn");
    assert.equal(historyFiles(s.home).length, 0);
    await runTurn(s, plain.id, "persisted turn");
    assert.deepEqual(historyFiles(s.home), [plain.path]);
    const list = await s.rpc.request<{ data: WireThread[] }>("thread/list", {});
    assert.deepEqual(
      list.data.map((t) => t.id),
      [plain.id],
    );
    assert.equal(await s.stop(), 0);
  } finally {
    await s.model.close();
  }
});

test("threads survive a SIGKILL: after a restart they list, read and resume; a deleted index is rebuilt", async () => {
  const model = await startScriptedModelServer({
    script: { responses: [answer(1), answer(2), answer(3)], on_exhausted: "repeat_last" },
  });
  try {
    const a = await startCoreSession({ model });
    await handshake(a);
    const t1 = await startThread(a);
    await runTurn(a, t1.id, "remember me");
    const t2 = await startThread(a);
    await runTurn(a, t2.id, "second thread");
    a.server.child.kill("SIGKILL");
    await a.server.exit;

    const b = await startCoreSession({ model, home: a.home, traceRoot: a.traceRoot });
    await handshake(b);
    const list = await b.rpc.request<{ data: WireThread[] }>("thread/list", {});
    assert.deepEqual(
      list.data.map((t) => [t.id, t.status.type]),
      [
        [t2.id, "notLoaded"],
        [t1.id, "notLoaded"],
      ],
    );
    const read = await b.rpc.request<{ thread: WireThread }>("thread/read", {
      threadId: t1.id,
      includeTurns: true,
    });
    assert.equal(read.thread.turns.length, 1);
    assert.equal(read.thread.turns[0]!.items[1]!.text, "answer 1");
    const resumed = await b.rpc.request<{ thread: WireThread }>("thread/resume", { threadId: t1.id });
    assert.equal(resumed.thread.turns.length, 1);
    await b.waitFor((n) => n.method === "thread/status/changed" && n.params.threadId === t1.id);
    const before = model.requests.length;
    await runTurn(b, t1.id, "and now?");
    const body = model.requests[before]!.body as { input: { role?: string; content?: { text: string }[] }[] };
    assert.ok(
      body.input.some((i) => i.content?.[0]?.text === "remember me"),
      "resumed history is sent",
    );
    assert.equal(await b.stop(), 0);

    rmSync(join(a.home, "threads.sqlite"), { force: true });
    rmSync(join(a.home, "threads.sqlite-wal"), { force: true });
    const c = await startCoreSession({
      model,
      home: a.home,
      traceRoot: a.traceRoot,
      env: { SPOOL_LOG: "warn,spool_core::thread_store=info" },
    });
    await handshake(c);
    const again = await c.rpc.request<{ data: WireThread[] }>("thread/list", {});
    assert.deepEqual(again.data.map((t) => t.id).sort(), [t1.id, t2.id].sort());
    assert.equal(await c.stop(), 0);
    const info = c.server
      .stderr()
      .split("\n")
      .filter((l) => l.includes("thread index rebuilt from history files"));
    assert.equal(info.length, 1, c.server.stderr());
    assert.match(info[0]!, /INFO/);
  } finally {
    await model.close();
  }
});

test("a corrupt index is replaced and rebuilt, never an error", async () => {
  const s1 = await startCoreSession({ script: { responses: [answer(1)] } });
  await handshake(s1);
  const t = await startThread(s1);
  await runTurn(s1, t.id, "x");
  assert.equal(await s1.stop(), 0);
  writeFileSync(join(s1.home, "threads.sqlite"), "this is not a database at all, not even close".repeat(100));
  rmSync(join(s1.home, "threads.sqlite-wal"), { force: true });
  const s2 = await startCoreSession({ model: s1.model, home: s1.home });
  try {
    await handshake(s2);
    const list = await s2.rpc.request<{ data: WireThread[] }>("thread/list", {});
    assert.deepEqual(
      list.data.map((x) => x.id),
      [t.id],
    );
    assert.equal(await s2.stop(), 0);
  } finally {
    await s1.model.close();
  }
});

test("fork through a turn copies history to a new thread; a fork mid-turn records the interruption", async () => {
  const s = await startCoreSession({
    script: {
      responses: [
        answer(1),
        answer(2),
        { output: [{ type: "message", text: "slow ".repeat(200) }], event_delay_ms: 30 },
        answer(4),
      ],
    },
  });
  try {
    await handshake(s);
    const src = await startThread(s);
    const first = await runTurn(s, src.id, "one");
    await runTurn(s, src.id, "two");
    const fork = await s.rpc.request<{ thread: WireThread }>("thread/fork", {
      threadId: src.id,
      lastTurnId: first.turnId,
    });
    assert.notEqual(fork.thread.id, src.id);
    assert.equal(fork.thread.forkedFromId, src.id);
    assert.deepEqual(
      fork.thread.turns.map((t) => t.id),
      [first.turnId],
    );
    await s.waitFor(
      (n) => n.method === "thread/started" && (n.params.thread as WireThread).id === fork.thread.id,
    );

    // Fork while the source is mid-turn.
    const r = await s.rpc.request<{ turn: { id: string } }>("turn/start", {
      threadId: src.id,
      input: [{ type: "text", text: "three" }],
    });
    await s.waitFor((n) => n.method === "item/agentMessage/delta" && n.params.turnId === r.turn.id);
    const mid = await s.rpc.request<{ thread: WireThread }>("thread/fork", { threadId: src.id });
    const last = mid.thread.turns[mid.thread.turns.length - 1]!;
    assert.equal(last.id, r.turn.id);
    assert.equal(last.status, "interrupted");
    assert.deepEqual(
      last.items.map((i) => i.type),
      ["userMessage"],
    );
    await s.rpc.request("turn/interrupt", { threadId: src.id, turnId: r.turn.id });
    await s.waitFor((n) => n.method === "turn/completed" && (n.params.turn as WireTurn).id === r.turn.id);
    // The fork's next request carries the interruption marker after the interrupted prompt.
    const before = s.model.requests.length;
    await runTurn(s, mid.thread.id, "four");
    const body = s.model.requests[before]!.body as { input: { content?: { text: string }[] }[] };
    const texts = body.input.map((i) => i.content?.[0]?.text ?? "");
    const three = texts.indexOf("three");
    assert.ok(three > 0);
    assert.match(texts[three + 1]!, /^<turn_aborted>/);
    assert.equal(await s.stop(), 0);
  } finally {
    await s.model.close();
  }
});

test("thread/list pages with cursors, sorts both ways and filters by cwd, provider and search term", async () => {
  const s = await startCoreSession({ script: { responses: [answer(1)], on_exhausted: "repeat_last" } });
  try {
    await handshake(s);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const t = await startThread(s, { cwd: i % 2 === 0 ? "/tmp/even" : "/tmp/odd" });
      await runTurn(s, t.id, `topic number ${i}`);
      ids.push(t.id);
    }
    const page1 = await s.rpc.request<{ data: WireThread[]; nextCursor: string | null }>("thread/list", {
      limit: 2,
    });
    assert.deepEqual(
      page1.data.map((t) => t.id),
      [ids[4], ids[3]],
    );
    const page2 = await s.rpc.request<{ data: WireThread[]; nextCursor: string | null }>("thread/list", {
      limit: 2,
      cursor: page1.nextCursor,
    });
    assert.deepEqual(
      page2.data.map((t) => t.id),
      [ids[2], ids[1]],
    );
    const page3 = await s.rpc.request<{ data: WireThread[]; nextCursor: string | null }>("thread/list", {
      limit: 2,
      cursor: page2.nextCursor,
    });
    assert.deepEqual(
      page3.data.map((t) => t.id),
      [ids[0]],
    );
    assert.equal(page3.nextCursor, null);
    const asc = await s.rpc.request<{ data: WireThread[] }>("thread/list", {
      sortDirection: "asc",
      sortKey: "updated_at",
    });
    assert.deepEqual(
      asc.data.map((t) => t.id),
      ids,
    );
    const odd = await s.rpc.request<{ data: WireThread[] }>("thread/list", { cwd: "/tmp/odd" });
    assert.deepEqual(odd.data.map((t) => t.id).sort(), [ids[1], ids[3]].sort());
    const search = await s.rpc.request<{ data: WireThread[] }>("thread/list", { searchTerm: "number 3" });
    assert.deepEqual(
      search.data.map((t) => t.id),
      [ids[3]],
    );
    const other = await s.rpc.request<{ data: WireThread[] }>("thread/list", { modelProviders: ["openai"] });
    assert.deepEqual(other.data, []);
    const archived = await s.rpc.request<{ data: WireThread[] }>("thread/list", { archived: true });
    assert.deepEqual(archived.data, []);
    await assert.rejects(s.rpc.request("thread/list", { cursor: "garbage" }), /cursor/);
    assert.equal(await s.stop(), 0);
  } finally {
    await s.model.close();
  }
});

test("unsubscribe statuses; the last subscriber leaving unloads the thread after the idle time", async () => {
  const s = await startCoreSession({
    script: { responses: [answer(1)] },
    env: { SPOOL_THREAD_IDLE_UNLOAD_MS: "100" },
  });
  try {
    await handshake(s);
    const t = await startThread(s);
    await runTurn(s, t.id, "x");
    assert.deepEqual(await s.rpc.request("thread/unsubscribe", { threadId: t.id }), {
      status: "unsubscribed",
    });
    assert.deepEqual(await s.rpc.request("thread/unsubscribe", { threadId: t.id }), {
      status: "notSubscribed",
    });
    await s.waitFor((n) => n.method === "thread/closed" && n.params.threadId === t.id, 5000);
    const changed = s.notifications.filter(
      (n) => n.method === "thread/status/changed" && n.params.threadId === t.id,
    );
    assert.deepEqual(changed[changed.length - 1]!.params.status, { type: "notLoaded" });
    assert.deepEqual(await s.rpc.request("thread/unsubscribe", { threadId: t.id }), { status: "notLoaded" });
    // Still readable from disk.
    const read = await s.rpc.request<{ thread: WireThread }>("thread/read", { threadId: t.id });
    assert.equal(read.thread.status.type, "notLoaded");
    assert.equal(await s.stop(), 0);
  } finally {
    await s.model.close();
  }
});
