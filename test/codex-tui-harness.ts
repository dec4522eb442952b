import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { WebSocket, WebSocketServer } from "ws";
import { startScriptedModelServer, type ModelScriptInput } from "../src/model-server/index.js";
import { spawnWsAppServer } from "./support/spawned-servers.js";

// The real Codex TUI (unchanged) against `spool app-server --listen ws://…`, driven under tmux.

const REPO = new URL("..", import.meta.url).pathname;

/** The TUI versions the tests drive, and the variable that names an installed binary for each. */
export const TUI_VERSIONS = [
  { version: "0.169.0", env: "CODEX_TUI_BIN" },
  { version: "0.171.0", env: "CODEX_TUI_0171_BIN" },
] as const;
export type TuiVersion = (typeof TUI_VERSIONS)[number];

/** Where `.ci/run` (or the test itself) installs `@openai/codex@<version>`: a scratch folder, not a dependency. */
export function scratchPrefix(version: string): string {
  return join(REPO, "node_modules/.cache/spool-codex-tui", version);
}

/**
 * The `codex` binary of one version: `$CODEX_TUI_BIN` (0.169) / `$CODEX_TUI_0171_BIN`, else the
 * scratch install, else a peer install next to the repo (`../peers/codex-0.169`), else it is
 * installed into the scratch folder now. Throws, with npm's own words, when none can be had:
 * a machine that cannot run the TUI fails these tests rather than skipping them.
 */
export function codexTuiBin({ version, env }: TuiVersion): string {
  const fromEnv = process.env[env];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${env}=${fromEnv} does not exist`);
    return fromEnv;
  }
  const minor = version.split(".").slice(0, 2).join(".");
  const candidates = [
    join(scratchPrefix(version), "node_modules/.bin/codex"),
    resolve(REPO, `../peers/codex-${minor}/node_modules/.bin/codex`),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (found) return found;
  const prefix = scratchPrefix(version);
  mkdirSync(prefix, { recursive: true });
  const r = spawnSync(
    "npm",
    ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", `@openai/codex@${version}`],
    { encoding: "utf8", timeout: 300_000 },
  );
  if (r.status !== 0 || !existsSync(candidates[0]!)) {
    throw new Error(
      `cannot install @openai/codex@${version} into ${prefix} (set ${env} to an installed codex): ` +
        `${r.error?.message ?? ""}${r.stderr.slice(-2000)}`,
    );
  }
  return candidates[0]!;
}

/** Throws unless tmux runs (`.ci/run` installs Debian's package when it is missing). */
export function requireTmux(): void {
  const r = spawnSync("tmux", ["-V"]);
  if (r.status !== 0) throw new Error("tmux is not installed (apt-get install tmux; .ci/run does this)");
}

export interface Frame {
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

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The TUI's own config: analytics, feedback, OTel and the update check off (it stays off the
 * network; in remote mode it has no model provider of its own), and commands run without a
 * prompt whatever the server's default approval policy.
 */
const TUI_CONFIG = `approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[analytics]
enabled = false

[feedback]
enabled = false

[otel]
exporter = "none"

[notice]
hide_full_access_warning = true
`;

export interface TuiSession {
  /** Every frame between the TUI and Spool so far. */
  frames: Frame[];
  /** The scripted model's request log. */
  modelRequests: () => readonly { label: string | null; body: unknown }[];
  pane(): string;
  waitForPane(pred: (pane: string) => boolean, what: string, ms?: number): Promise<string>;
  /** Types a prompt as a person would (the TUI treats a fast burst as a paste). */
  prompt(text: string): Promise<void>;
  /** Presses one key (a tmux key name such as `y`, `Enter`, `Escape`). */
  press(key: string): void;
  /** `/quit`; resolves with the TUI's exit status. */
  quit(): Promise<string>;
  /** The requests the TUI sent that got an error, as `method: error`. */
  failedRequests(): string[];
  close(): Promise<void>;
}

/** Starts the scripted model, `spool app-server --listen ws://127.0.0.1:0` and the TUI in tmux. */
export async function startTuiSession(
  bin: string,
  script: ModelScriptInput,
  tuiArgs: readonly string[] = [],
): Promise<TuiSession> {
  const dir = mkdtempSync(join(tmpdir(), "spool-codex-tui-"));
  const codexHome = join(dir, "codex-home");
  const project = join(dir, "project");
  mkdirSync(codexHome);
  mkdirSync(project);
  writeFileSync(join(codexHome, "config.toml"), TUI_CONFIG);
  const model = await startScriptedModelServer({ script });
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
  // One tmux server of our own (its own socket), so nothing else's sessions are touched.
  const socket = `spool-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...args: string[]): string => {
    const r = spawnSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const exitFile = join(dir, "tui.exit");
  const pane = () => tmux("capture-pane", "-p", "-t", "tui");
  const waitForPane = async (pred: (pane: string) => boolean, what: string, ms = 30_000) => {
    const deadline = Date.now() + ms;
    let text = "";
    while (Date.now() < deadline) {
      text = pane();
      if (pred(text)) return text;
      await pause(200);
    }
    throw new Error(`timed out waiting for ${what}; the pane shows:\n${text}`);
  };
  tmux(
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
    `env CODEX_HOME='${codexHome}' '${bin}' --remote ${proxy.url} ${tuiArgs.join(" ")}; echo $? > '${exitFile}'; sleep 30`,
  );
  const session: TuiSession = {
    frames: proxy.frames,
    modelRequests: () => model.requests,
    pane,
    waitForPane,
    async prompt(text) {
      tmux("send-keys", "-t", "tui", "-l", text);
      await pause(400);
      tmux("send-keys", "-t", "tui", "Enter");
    },
    press(key) {
      tmux("send-keys", "-t", "tui", key);
    },
    async quit() {
      tmux("send-keys", "-t", "tui", "Escape");
      await pause(300);
      tmux("send-keys", "-t", "tui", "-l", "/quit");
      await pause(400);
      tmux("send-keys", "-t", "tui", "Enter");
      const deadline = Date.now() + 15_000;
      while (!existsSync(exitFile) && Date.now() < deadline) await pause(100);
      if (!existsSync(exitFile))
        throw new Error(`the TUI did not exit after /quit; the pane shows:\n${pane()}`);
      return readFileSync(exitFile, "utf8").trim();
    },
    failedRequests() {
      const methods = new Map<string, string>();
      for (const f of proxy.frames) {
        if (f.dir === "client->server" && f.msg.method && f.msg.id !== undefined)
          methods.set(JSON.stringify(f.msg.id), f.msg.method as string);
      }
      return proxy.frames
        .filter((f) => f.dir === "server->client" && f.msg.error)
        .map((f) => `${methods.get(JSON.stringify(f.msg.id))}: ${JSON.stringify(f.msg.error)}`);
    },
    async close() {
      if (process.env.SPOOL_TUI_TRANSCRIPT) {
        writeFileSync(
          process.env.SPOOL_TUI_TRANSCRIPT,
          proxy.frames.map((f) => JSON.stringify(f)).join("\n") + "\n",
        );
      }
      spawnSync("tmux", ["-L", socket, "kill-server"]);
      await proxy.close();
      server.child.kill();
      await server.exit;
      await model.close();
    },
  };
  try {
    await waitForPane((p) => p.includes("scripted-model"), "the TUI's composer");
  } catch (err) {
    await session.close();
    throw err;
  }
  return session;
}

/** The client requests in a session, by method. */
export function requestsOf(frames: readonly Frame[], method: string): Record<string, unknown>[] {
  return frames
    .filter((f) => f.dir === "client->server" && f.msg.method === method && f.msg.id !== undefined)
    .map((f) => (f.msg.params ?? {}) as Record<string, unknown>);
}

/** The notifications Spool sent in a session, by method. */
export function notificationsOf(frames: readonly Frame[], method: string): Record<string, unknown>[] {
  return frames
    .filter((f) => f.dir === "server->client" && f.msg.method === method && f.msg.id === undefined)
    .map((f) => f.msg.params as Record<string, unknown>);
}
