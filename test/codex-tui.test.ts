import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { WebSocket, WebSocketServer } from "ws";
import { startScriptedModelServer } from "../src/model-server/index.js";
import { killSpawned, spawnWsAppServer } from "./support/spawned-servers.js";

// The real Codex TUI (codex-cli 0.169.0, unchanged) against `spool app-server --listen ws://…`,
// driven under tmux. Needs the `codex` binary (CODEX_TUI_BIN, else the peer install next to the
// repo, ../peers/codex-0.169) and tmux; skipped with a message saying which is missing.

after(killSpawned);

const REPO = new URL("..", import.meta.url).pathname;
const CODEX = process.env.CODEX_TUI_BIN ?? resolve(REPO, "../peers/codex-0.169/node_modules/.bin/codex");
const HAS_TMUX = spawnSync("tmux", ["-V"]).status === 0;
const SKIP = !existsSync(CODEX)
  ? `Codex TUI not found at ${CODEX} (set CODEX_TUI_BIN or install @openai/codex@0.169.0 there)`
  : !HAS_TMUX
    ? "tmux not installed"
    : false;

const ANSWER = "Spool says hello through the scripted model";

interface Frame {
  t_ms: number;
  dir: "client->server" | "server->client";
  msg: Record<string, unknown>;
}

/** A WebSocket proxy recording every frame both ways (the shape conformance.mjs reads). */
async function recordingProxy(upstream: string) {
  const frames: Frame[] = [];
  const t0 = Date.now();
  const record = (dir: Frame["dir"], data: unknown) =>
    frames.push({ t_ms: Date.now() - t0, dir, msg: JSON.parse(String(data)) as Record<string, unknown> });
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  wss.on("connection", (client) => {
    const server = new WebSocket(upstream);
    const pending: string[] = [];
    server.on("open", () => pending.splice(0).forEach((m) => server.send(m)));
    client.on("message", (data) => {
      record("client->server", data);
      if (server.readyState === WebSocket.OPEN) server.send(String(data));
      else pending.push(String(data));
    });
    server.on("message", (data) => {
      record("server->client", data);
      client.send(String(data));
    });
    client.on("close", () => server.close());
    server.on("close", () => client.close());
    server.on("error", () => client.close());
  });
  const { port } = wss.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}`, frames, close: () => new Promise((r) => wss.close(r)) };
}

/** One tmux server of our own (its own socket), so nothing else's sessions are touched. */
function tmux(socket: string, ...args: string[]): string {
  const r = spawnSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function waitForPane(socket: string, pred: (pane: string) => boolean, what: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  let pane = "";
  while (Date.now() < deadline) {
    pane = tmux(socket, "capture-pane", "-p", "-t", "tui");
    if (pred(pane)) return pane;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; the pane shows:\n${pane}`);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  "the Codex TUI starts against Spool, answers a prompt from the scripted model and quits with exit 0",
  { skip: SKIP },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "spool-codex-tui-"));
    const codexHome = join(dir, "codex-home");
    const project = join(dir, "project");
    mkdirSync(codexHome);
    mkdirSync(project);
    // Analytics and telemetry off, and no model provider of its own: in remote mode the TUI only
    // talks to the app-server.
    writeFileSync(
      join(codexHome, "config.toml"),
      '[analytics]\nenabled = false\n\n[otel]\nexporter = "none"\n',
    );
    // The TUI also asks for a title on its own ephemeral thread; every request gets the answer.
    const model = await startScriptedModelServer({
      script: { responses: [{ output: [{ type: "message", text: ANSWER }] }], on_exhausted: "repeat_last" },
    });
    const server = await spawnWsAppServer(
      { ...process.env, SPOOL_HOME: join(dir, "spool-home"), SPOOL_LOG: "warn" },
      "ws://127.0.0.1:0",
      [
        "-c",
        'model_provider="mock"',
        "-c",
        'model="scripted-model"',
        "-c",
        `model_providers.mock.base_url=${JSON.stringify(model.url)}`,
      ],
    );
    const proxy = await recordingProxy(server.url);
    const socket = `spool-test-${process.pid}`;
    const exitFile = join(dir, "tui.exit");
    try {
      tmux(
        socket,
        "new-session",
        "-d",
        "-s",
        "tui",
        "-x",
        "120",
        "-y",
        "40",
        "-c",
        project,
        `env CODEX_HOME='${codexHome}' '${CODEX}' --remote ${proxy.url}; echo $? > '${exitFile}'; sleep 30`,
      );
      await waitForPane(socket, (p) => p.includes("scripted-model"), "the TUI's composer");
      tmux(socket, "send-keys", "-t", "tui", "-l", "Say hello to Spool");
      await pause(400);
      tmux(socket, "send-keys", "-t", "tui", "Enter");
      const pane = await waitForPane(socket, (p) => p.includes(ANSWER) && /Worked for/.test(p), "the answer");
      assert.match(pane, /Say hello to Spool/);
      tmux(socket, "send-keys", "-t", "tui", "Escape");
      await pause(300);
      tmux(socket, "send-keys", "-t", "tui", "-l", "/quit");
      await pause(400);
      tmux(socket, "send-keys", "-t", "tui", "Enter");
      const deadline = Date.now() + 15_000;
      while (!existsSync(exitFile) && Date.now() < deadline) await pause(100);
      assert.equal(readFileSync(exitFile, "utf8").trim(), "0", "the TUI exits 0 after /quit");

      // Every request the TUI made got a result (Codex's own server refuses thread/turns/list
      // before the first message; Spool answers an empty page).
      const ids = new Map<string, string>();
      for (const f of proxy.frames) {
        if (f.dir === "client->server" && f.msg.method && f.msg.id !== undefined)
          ids.set(JSON.stringify(f.msg.id), f.msg.method as string);
      }
      const errors = proxy.frames
        .filter((f) => f.dir === "server->client" && f.msg.error)
        .map((f) => `${ids.get(JSON.stringify(f.msg.id))}: ${JSON.stringify(f.msg.error)}`);
      assert.deepEqual(errors, []);
      const methods = new Set(ids.values());
      for (const m of [
        "account/read",
        "configRequirements/read",
        "thread/start",
        "turn/start",
        "skills/list",
      ])
        assert.ok(methods.has(m), `the TUI sent ${m}`);
      const notified = new Set(
        proxy.frames.filter((f) => f.dir === "server->client").map((f) => f.msg.method),
      );
      for (const m of [
        "thread/started",
        "turn/started",
        "item/completed",
        "turn/completed",
        "thread/readState/changed",
      ])
        assert.ok(notified.has(m), `Spool sent ${m}`);
      if (process.env.SPOOL_TUI_TRANSCRIPT) {
        writeFileSync(
          process.env.SPOOL_TUI_TRANSCRIPT,
          proxy.frames.map((f) => JSON.stringify(f)).join("\n") + "\n",
        );
      }
    } finally {
      spawnSync("tmux", ["-L", socket, "kill-server"]);
      await proxy.close();
      server.child.kill();
      await server.exit;
      await model.close();
    }
  },
);
