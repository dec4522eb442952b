import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killSpawned, openWebSocket, spawnWsAppServer } from "./support/spawned-servers.js";
import { handshake, runTurn, startCoreSession } from "./support/core-server.js";
import { assertCodexSchema } from "./support/codex-schema.js";

after(killSpawned);

const answer = (n: number) => ({ output: [{ type: "message" as const, text: `answer ${n}` }] });

/** A raw WebSocket client: frames exactly as the TUI writes them (string ids, no `params`). */
async function rawClient(url: string) {
  const ws = await openWebSocket(url);
  const replies = new Map<unknown, (msg: Record<string, unknown>) => void>();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data)) as Record<string, unknown>;
    if (msg.id !== undefined) replies.get(msg.id)?.(msg);
  });
  return {
    send(frame: Record<string, unknown>): Promise<Record<string, unknown>> {
      const reply = new Promise<Record<string, unknown>>((resolve) => replies.set(frame.id, resolve));
      ws.send(JSON.stringify(frame));
      return reply;
    },
    close: () => ws.close(),
  };
}

test("string ids, a request without params and unknown optional fields, as the TUI sends them", async () => {
  const server = await spawnWsAppServer({
    ...process.env,
    SPOOL_HOME: mkdtempSync(join(tmpdir(), "spool-raw-")),
  });
  const c = await rawClient(server.url);
  try {
    const init = await c.send({
      id: "initialize",
      method: "initialize",
      params: {
        clientInfo: { name: "codex-tui", title: null, version: "0.169.0" },
        capabilities: { experimentalApi: true },
      },
    });
    assert.equal(init.error, undefined);
    const reqs = await c.send({ id: "4", method: "configRequirements/read" });
    assert.equal(reqs.error, undefined, JSON.stringify(reqs));
    assertCodexSchema("ConfigRequirementsReadResponse", reqs.result);
    const nullParams = await c.send({ id: "req-null", method: "configRequirements/read", params: null });
    assert.deepEqual(nullParams.result, reqs.result);
    const extra = await c.send({
      id: "8b38234c-5f65-434f-a12f-81532679ea66",
      method: "account/read",
      params: { someFutureField: 1 },
    });
    assert.equal(extra.error, undefined);
    assertCodexSchema("GetAccountResponse", extra.result);
  } finally {
    c.close();
    server.child.kill();
    await server.exit;
  }
});

test("the TUI's start-up probes answer in Codex's shapes, configRequirements/read without params", async () => {
  const s = await startCoreSession();
  try {
    await handshake(s, { experimentalApi: true });
    const account = await s.rpc.request("account/read", {});
    assertCodexSchema("GetAccountResponse", account);
    assert.deepEqual(account, {
      account: null,
      userId: null,
      requiresOpenaiAuth: false,
      workspaceRouting: null,
    });

    // The TUI sends this one without a `params` member.
    const reqs = await s.rpc.request("configRequirements/read");
    assertCodexSchema("ConfigRequirementsReadResponse", reqs);
    const sent = s.frames.find((f) => f.dir === "out" && f.msg.method === "configRequirements/read");
    assert.equal("params" in sent!.msg, false);

    const gov = await s.rpc.request("account/bedrock/checkGovCloudRequirements", {});
    assertCodexSchema("BedrockCheckGovCloudRequirementsResponse", gov);
    assert.deepEqual(gov, { isGovCloud: false, shouldWarn: false });

    const modes = await s.rpc.request<{ data: { name: string; mode: string }[] }>(
      "collaborationMode/list",
      {},
    );
    assertCodexSchema("CollaborationModeListResponse", modes);
    assert.deepEqual(
      modes.data.map((m) => [m.name, m.mode]),
      [
        ["Plan", "plan"],
        ["Default", "default"],
      ],
    );

    const hooks = await s.rpc.request("hooks/list", { cwds: ["/tmp/a", "/tmp/b"], threadId: null });
    assertCodexSchema("HooksListResponse", hooks);
    assert.deepEqual(hooks, {
      data: [
        { cwd: "/tmp/a", hooks: [], warnings: [], errors: [] },
        { cwd: "/tmp/b", hooks: [], warnings: [], errors: [] },
      ],
    });

    const plugins = await s.rpc.request("plugin/installed", { cwds: ["/tmp/a"] });
    assertCodexSchema("PluginInstalledResponse", plugins);
    assert.deepEqual(plugins, { marketplaces: [], marketplaceLoadErrors: [] });
  } finally {
    await s.stop();
    await s.model.close();
  }
});

test("account/read says OpenAI auth is required when the openai provider has no key", async () => {
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  const s = await startCoreSession({ config: ['model_provider="openai"'], env });
  try {
    await handshake(s);
    const account = await s.rpc.request<{ requiresOpenaiAuth: boolean }>("account/read", {});
    assertCodexSchema("GetAccountResponse", account);
    assert.equal(account.requiresOpenaiAuth, true);
  } finally {
    await s.stop();
    await s.model.close();
  }
});

test("skills/list reads SKILL.md front matter under the cwd's and SPOOL_HOME's skills/ folders", async () => {
  const home = mkdtempSync(join(tmpdir(), "spool-skills-home-"));
  const cwd = mkdtempSync(join(tmpdir(), "spool-skills-cwd-"));
  const skill = (root: string, dir: string, body: string) => {
    mkdirSync(join(root, "skills", dir), { recursive: true });
    writeFileSync(join(root, "skills", dir, "SKILL.md"), body);
  };
  skill(cwd, "deploy", "---\nname: deploy\ndescription: Ship the service\n---\n# Deploy\n");
  skill(cwd, "broken", "no front matter here\n");
  skill(home, "notes", '---\nname: notes\ndescription: "Keep notes: tidy"\nshort_description: Notes\n---\n');
  skill(home, "deploy", "---\nname: deploy\ndescription: the user's older deploy\n---\n");
  const s = await startCoreSession({ home });
  try {
    await handshake(s);
    const r = await s.rpc.request<{
      data: {
        cwd: string;
        skills: { name: string; description: string; scope: string; path: string }[];
        errors: { path: string; message: string }[];
      }[];
    }>("skills/list", { cwds: [cwd], forceReload: true });
    assertCodexSchema("SkillsListResponse", r);
    const [entry] = r.data;
    assert.equal(entry!.cwd, cwd);
    assert.deepEqual(
      entry!.skills.map((k) => [k.name, k.scope, k.description]),
      [
        ["deploy", "repo", "Ship the service"],
        ["notes", "user", "Keep notes: tidy"],
      ],
    );
    assert.equal(entry!.skills[0]!.path, join(cwd, "skills", "deploy", "SKILL.md"));
    assert.equal(entry!.errors.length, 1);
    assert.match(entry!.errors[0]!.message, /front matter/);
    // A cwd without a skills/ folder still sees the user's skills.
    const bare = await s.rpc.request<{ data: { skills: { name: string; scope: string }[] }[] }>(
      "skills/list",
      {
        cwds: [mkdtempSync(join(tmpdir(), "spool-noskills-"))],
      },
    );
    assert.deepEqual(
      bare.data[0]!.skills.map((k) => [k.name, k.scope]),
      [
        ["deploy", "user"],
        ["notes", "user"],
      ],
    );
  } finally {
    await s.stop();
    await s.model.close();
  }
});

test("thread/loaded/list, thread/turns/list pages and read state that follows completed turns", async () => {
  const s = await startCoreSession({ script: { responses: [answer(1), answer(2), answer(3)] } });
  try {
    await handshake(s, { experimentalApi: true });
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {
      historyMode: "paginated",
      dynamicTools: [],
    });
    const loaded = await s.rpc.request<{ data: string[] }>("thread/loaded/list", {
      cursor: null,
      limit: null,
    });
    assertCodexSchema("ThreadLoadedListResponse", loaded);
    assert.deepEqual(loaded.data, [thread.id]);

    const none = await s.rpc.request("thread/turns/list", { threadId: thread.id, limit: 1 });
    assertCodexSchema("ThreadTurnsListResponse", none);
    assert.deepEqual(none, { data: [], nextCursor: null, backwardsCursor: null });

    const turns: string[] = [];
    for (const text of ["one", "two", "three"]) turns.push((await runTurn(s, thread.id, text)).turnId);

    type Page = {
      data: { id: string; items: { type: string }[]; itemsView: string }[];
      nextCursor: string | null;
      backwardsCursor: string | null;
    };
    // Newest first by default, in pages of two.
    const p1 = await s.rpc.request<Page>("thread/turns/list", { threadId: thread.id, limit: 2 });
    assertCodexSchema("ThreadTurnsListResponse", p1);
    assert.deepEqual(
      p1.data.map((t) => t.id),
      [turns[2], turns[1]],
    );
    assert.deepEqual(
      p1.data[0]!.items.map((i) => i.type),
      ["userMessage", "agentMessage"],
    );
    assert.equal(p1.data[0]!.itemsView, "summary");
    const p2 = await s.rpc.request<Page>("thread/turns/list", {
      threadId: thread.id,
      limit: 2,
      cursor: p1.nextCursor,
    });
    assert.deepEqual(
      p2.data.map((t) => t.id),
      [turns[0]],
    );
    assert.equal(p2.nextCursor, null);
    // The backwards cursor, read ascending, repeats its anchor then goes forward in time.
    const back = await s.rpc.request<Page>("thread/turns/list", {
      threadId: thread.id,
      sortDirection: "asc",
      cursor: p2.backwardsCursor,
      itemsView: "notLoaded",
    });
    assert.deepEqual(
      back.data.map((t) => t.id),
      turns,
    );
    assert.deepEqual(back.data[0]!.items, []);
    await assert.rejects(
      s.rpc.request("thread/turns/list", { threadId: thread.id, cursor: "garbage" }),
      /cursor/,
    );

    // Every completed turn left the thread unread at the first of them, announced once.
    const changed = s.notifications.filter((n) => n.method === "thread/readState/changed");
    assert.equal(changed.length, 1);
    assertCodexSchema("ThreadReadStateChangedNotification", changed[0]!.params);
    const state = changed[0]!.params.readState as { firstUnread: { turnId: string }; revision: string };
    assert.equal(state.firstUnread.turnId, turns[0]);

    await assert.rejects(
      s.rpc.request("thread/readState/update", {
        threadId: thread.id,
        operation: { type: "read" },
        expectedRevision: "stale",
      }),
      /read state changed/,
    );
    const read = await s.rpc.request<{ readState: { firstUnread: unknown; revision: string } }>(
      "thread/readState/update",
      { threadId: thread.id, operation: { type: "read" }, expectedRevision: state.revision },
    );
    assertCodexSchema("ThreadReadStateUpdateResponse", read);
    assert.equal(read.readState.firstUnread, null);
    assert.notEqual(read.readState.revision, state.revision);
    const unread = await s.rpc.request<{ readState: { firstUnread: { type: string; turnId?: string } } }>(
      "thread/readState/update",
      { threadId: thread.id, operation: { type: "unread" }, expectedRevision: read.readState.revision },
    );
    assert.deepEqual(unread.readState.firstUnread, { type: "turn", turnId: turns[2] });
    await s.waitFor(
      (n) =>
        n.method === "thread/readState/changed" &&
        (n.params.readState as { firstUnread: unknown }).firstUnread !== null &&
        (n.params.readState as { firstUnread: { turnId?: string } }).firstUnread.turnId === turns[2],
    );
  } finally {
    await s.stop();
    await s.model.close();
  }
});
