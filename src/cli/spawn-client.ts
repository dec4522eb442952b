import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RpcConnection, StreamTransport } from "../rpc/index.js";

/** Path of the compiled CLI entry point (this file lives beside it in dist/cli/). */
export const SPOOL_MAIN = fileURLToPath(new URL("./main.js", import.meta.url));

export interface SpawnedAppServer {
  child: ChildProcessWithoutNullStreams;
  connection: RpcConnection;
  /** Calls `listener` with every notification the server sends. */
  onNotification(listener: (method: string, params: unknown) => void): void;
  /** Closes stdin and resolves with the exit code once the server has flushed and exited. */
  stop(): Promise<number | null>;
}

/** Starts `spool app-server` over a real stdio pipe and connects a JSON-RPC client to it. */
export function spawnAppServer(args: string[], env: NodeJS.ProcessEnv): SpawnedAppServer {
  const child = spawn(process.execPath, [SPOOL_MAIN, "app-server", ...args], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const listeners: ((method: string, params: unknown) => void)[] = [];
  const connection = new RpcConnection(new StreamTransport(child.stdout, child.stdin, { kind: "stdio" }), {
    handler: {
      // The demo client answers no server requests (approvals need a human).
      handleRequest: () => ({}),
      handleNotification: (method, params) => {
        for (const l of listeners) l(method, params);
      },
    },
  }).start();
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    connection,
    onNotification(listener) {
      listeners.push(listener);
    },
    stop() {
      child.stdin.end();
      return exited;
    },
  };
}
