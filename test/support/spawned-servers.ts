import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { WebSocket } from "ws";
import { RpcConnection, WebSocketTransport } from "../../src/rpc/index.js";

export const MAIN = new URL("../../dist/cli/main.js", import.meta.url).pathname;

/** Environment for a spawned server exporting spans as OTLP/JSON to `receiverUrl`. */
export function tracingEnv(receiverUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SPOOL_HOME: mkdtempSync(join(tmpdir(), "spool-e2e-home-")),
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiverUrl}/v1/traces`,
    OTEL_BSP_SCHEDULE_DELAY: "50",
    ...extra,
  };
}

export interface Spawned {
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** Kills every server a test spawned and has not seen exit (a failed assertion must not hang the run). */
export function killSpawned(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

export function spawnSpool(args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => err, exit };
}

/** `-c` arguments that make a spawned app-server use the scripted model at `url` as provider `mock`. */
export function scriptedProviderArgs(url: string): string[] {
  return [
    "-c",
    'model_provider="mock"',
    "-c",
    'model="scripted-model"',
    "-c",
    `model_providers.mock.base_url=${JSON.stringify(url)}`,
    "-c",
    "model_providers.mock.request_max_retries=0",
  ];
}

/** Starts `spool app-server --listen ws://…` and resolves with the URL it printed. */
export async function spawnWsAppServer(
  env: NodeJS.ProcessEnv,
  listen = "ws://127.0.0.1:0",
  extraArgs: string[] = [],
): Promise<Spawned & { url: string }> {
  const s = spawnSpool(["app-server", "--listen", listen, ...extraArgs], env);
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: s.child.stdout });
    rl.once("line", (line) => {
      const m = /^listening on (ws:\/\/\S+)$/.exec(line);
      if (m) resolve(m[1]!);
      else reject(new Error(`unexpected first line: ${line}`));
    });
    void s.exit.then(({ code }) =>
      reject(new Error(`server exited (${code}) before listening: ${s.stderr()}`)),
    );
  });
  return { ...s, url };
}

export async function openWebSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return ws;
}

export async function wsClient(url: string, headers: Record<string, string> = {}): Promise<RpcConnection> {
  return new RpcConnection(new WebSocketTransport(await openWebSocket(url, headers))).start();
}

/** Invalid frames of every kind the server must answer (and survive): 10 shapes, cycled. */
export function badFrame(i: number): string {
  switch (i % 10) {
    case 0:
      return "{not json";
    case 1:
      return "[]";
    case 2:
      return "42";
    case 3:
      return `{"id":${i}}`;
    case 4:
      return `{"id":{"nested":true},"method":"model/list"}`;
    case 5:
      return `{"id":${i},"method":"no/such/method"}`;
    case 6:
      return `{"id":${i},"method":"model/list","params":{"limit":"many"}}`;
    case 7:
      return `{"id":${i},"method":"model/list","trace":"not-a-carrier-object"}`;
    case 8:
      return `{"id":${i},"method":"initialize","params":{"clientInfo":{"name":"x","version":"1"}}}`;
    default:
      return `"just a string"`;
  }
}
