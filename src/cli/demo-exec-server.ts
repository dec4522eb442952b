import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { execServerTokenFile } from "../exec-server/index.js";
import { SPOOL_MAIN } from "./spawn-client.js";

/** A `spool exec-server` child the demo's app-server runs its commands on. */
export interface DemoExecServer {
  child: ChildProcessWithoutNullStreams;
  /** The `ws://127.0.0.1:PORT` it printed. */
  url: string;
  /** Where it wrote its generated bearer token (0600), for clients with the same `SPOOL_HOME`. */
  tokenFile: string;
  /** SIGTERM, then resolves once it has flushed its telemetry and exited. */
  stop(): Promise<void>;
}

/**
 * Starts `spool exec-server --listen ws://127.0.0.1:0` with no token configured, so it generates
 * one into `$SPOOL_HOME/exec-server.token`: an app-server with the same `SPOOL_HOME` presents it
 * without being told. Resolves once the URL line is on stdout.
 */
export async function spawnExecServer(env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<DemoExecServer> {
  const child = spawn(process.execPath, [SPOOL_MAIN, "exec-server", "--listen", "ws://127.0.0.1:0"], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d: string) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no URL within ${timeoutMs} ms`), timeoutMs);
    const lines = createInterface({ input: child.stdout });
    const onExit = (code: number | null) => fail(`exited with code ${code}`);
    const done = () => {
      clearTimeout(timer);
      lines.close();
      child.off("exit", onExit);
    };
    const fail = (why: string) => {
      done();
      child.kill();
      reject(new Error(`spool exec-server did not start: ${why}\n${stderr}`));
    };
    lines.once("line", (line) => {
      done();
      resolve(line.trim());
    });
    child.once("exit", onExit);
  });
  return {
    child,
    url,
    tokenFile: execServerTokenFile(env),
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
