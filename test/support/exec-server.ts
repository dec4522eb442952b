import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { WebSocket } from "ws";
import {
  ExecServerClient,
  listenExecServer,
  serveExecConnection,
  type ExecProcess,
  type ExecServerOptions,
  type StartProcessOptions,
} from "../../src/exec-server/index.js";
import { RpcConnection, WebSocketTransport, createInProcessTransportPair } from "../../src/rpc/index.js";

export type Kind = "in-process" | "websocket";
export const KINDS: Kind[] = ["in-process", "websocket"];

export interface Notification {
  method: string;
  params: Record<string, unknown>;
}

/** A raw JSON-RPC peer of an exec-server, recording every notification it hears. */
export interface RawPeer {
  conn: RpcConnection;
  /** Frames that were not responses to our requests (notifications, id -1 errors). */
  notifications: Notification[];
  /** Resolves with the first recorded notification matching `pred` (past or future). */
  waitFor(pred: (n: Notification) => boolean): Promise<Notification>;
  /** Raw frames received, for id -1 errors the RpcConnection only logs. */
  frames: string[];
  url: string;
  close(): Promise<void>;
}

export const PATH_ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
/** Every WebSocket exec-server demands a token, loopback included. */
export const TEST_TOKEN = "spool-test-token";
export const AUTH_HEADERS = { Authorization: `Bearer ${TEST_TOKEN}` };
export const CWD = pathToFileURL(process.cwd()).href;

/** Starts an exec-server of the given kind and connects a raw peer (not yet initialized). */
export async function rawPeer(kind: Kind, options: ExecServerOptions = {}): Promise<RawPeer> {
  const notifications: Notification[] = [];
  const waiters: { pred: (n: Notification) => boolean; resolve: (n: Notification) => void }[] = [];
  const frames: string[] = [];
  const handler = {
    handleRequest: () => ({}),
    handleNotification(method: string, params: unknown) {
      const n = { method, params: params as Record<string, unknown> };
      notifications.push(n);
      for (const w of [...waiters]) {
        if (w.pred(n)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(n);
        }
      }
    },
  };
  const onFrame = (dir: "in" | "out", frame: string) => {
    if (dir === "in") frames.push(frame);
  };
  let conn: RpcConnection;
  let url = "in-process";
  let stop = async () => {};
  if (kind === "in-process") {
    const [a, b] = createInProcessTransportPair();
    serveExecConnection(b, options);
    conn = new RpcConnection(a, { handler, onFrame }).start();
  } else {
    const server = await listenExecServer({ port: 0, token: TEST_TOKEN, ...options });
    url = server.url;
    const socket = new WebSocket(server.url, { headers: AUTH_HEADERS });
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    conn = new RpcConnection(new WebSocketTransport(socket), { handler, onFrame }).start();
    stop = () => server.close();
  }
  return {
    conn,
    notifications,
    frames,
    url,
    waitFor(pred) {
      const found = notifications.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    async close() {
      const closed = new Promise<void>((resolve) => conn.onClose(() => resolve()));
      conn.close();
      await closed;
      await stop();
    },
  };
}

/** A raw peer that has done `initialize` / `initialized`. */
export async function initializedPeer(kind: Kind, options: ExecServerOptions = {}): Promise<RawPeer> {
  const peer = await rawPeer(kind, options);
  await peer.conn.request("initialize", { clientName: "test" });
  peer.conn.notify("initialized", {});
  return peer;
}

/** A typed client of an exec-server of the given kind. */
export async function typedClient(
  kind: Kind,
  options: ExecServerOptions = {},
): Promise<{ client: ExecServerClient; close(): Promise<void> }> {
  if (kind === "in-process") {
    const client = await ExecServerClient.inProcess(options);
    return { client, close: async () => client.close() };
  }
  const server = await listenExecServer({ port: 0, token: TEST_TOKEN, ...options });
  const client = await ExecServerClient.connectWebSocket(server.url, { token: TEST_TOKEN });
  return {
    client,
    async close() {
      client.close();
      await server.close();
    },
  };
}

/** Whether a pid is gone (no such process, or a zombie nobody has reaped yet). */
export function pidGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

/** Polls `pidGone` (a foreign pid's death has no event to await) up to `ms`. */
export async function waitPidGone(pid: number, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (pidGone(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return pidGone(pid);
}

export function decode(notifications: Notification[], processId: string): string {
  return notifications
    .filter((n) => n.method === "process/output" && n.params.processId === processId)
    .map((n) => Buffer.from(n.params.chunk as string, "base64").toString("utf8"))
    .join("");
}

/**
 * Starts a process through `client` and resolves once its output contains `marker` (a newline by
 * default): the usual way a test learns the pids a shell script echoes before it blocks.
 */
export async function startUntilOutput(
  client: ExecServerClient,
  options: Omit<StartProcessOptions, "onOutput">,
  marker = "\n",
): Promise<{ proc: ExecProcess; output: () => string }> {
  let out = "";
  let changed = () => {};
  const proc = await client.start({
    ...options,
    onOutput: (c) => {
      out += c.bytes.toString();
      changed();
    },
  });
  await new Promise<void>((resolve) => {
    changed = () => out.includes(marker) && resolve();
    changed();
  });
  return { proc, output: () => out };
}
