import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { ExecServerClient, listenExecServer } from "../../src/exec-server/index.js";
import { configureLogging } from "../../src/telemetry/index.js";

configureLogging({ filter: "off" });

export const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const BENCH_TOKEN = randomBytes(16).toString("hex");

/**
 * A WebSocket exec-server in its own process, as deployed: the compiled `spool exec-server`
 * when dist/ is built, else an in-process listener (said so in the output).
 */
export async function remoteExecServer(): Promise<{
  client: ExecServerClient;
  label: string;
  stop(): Promise<void>;
}> {
  if (existsSync("dist/cli/main.js")) {
    const child: ChildProcess = spawn(
      process.execPath,
      ["dist/cli/main.js", "exec-server", "--listen", "ws://127.0.0.1:0"],
      {
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, RUST_LOG: "warn", SPOOL_EXEC_SERVER_TOKEN: BENCH_TOKEN },
      },
    );
    const url = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout! }).once("line", resolve),
    );
    const client = await ExecServerClient.connectWebSocket(url, { token: BENCH_TOKEN });
    return {
      client,
      label: "websocket (separate spool exec-server process)",
      async stop() {
        client.close();
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      },
    };
  }
  const server = await listenExecServer({ port: 0, token: BENCH_TOKEN });
  const client = await ExecServerClient.connectWebSocket(server.url, { token: BENCH_TOKEN });
  return {
    client,
    label: "websocket (same-process listener: dist/ not built)",
    async stop() {
      client.close();
      await server.close();
    },
  };
}
