import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RpcConnection, StreamTransport } from "../rpc/index.js";

/** Path of the compiled CLI entry point (this file lives beside it in dist/cli/). */
export const SPOOL_MAIN = fileURLToPath(new URL("./main.js", import.meta.url));

export interface SpawnedAppServer {
  child: ChildProcessWithoutNullStreams;
  connection: RpcConnection;
  /** Closes stdin and resolves with the exit code once the server has flushed and exited. */
  stop(): Promise<number | null>;
}

/** Starts `spool app-server` over a real stdio pipe and connects a JSON-RPC client to it. */
export function spawnAppServer(args: string[], env: NodeJS.ProcessEnv): SpawnedAppServer {
  const child = spawn(process.execPath, [SPOOL_MAIN, "app-server", ...args], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const connection = new RpcConnection(
    new StreamTransport(child.stdout, child.stdin, { kind: "stdio" }),
  ).start();
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    connection,
    stop() {
      child.stdin.end();
      return exited;
    },
  };
}
