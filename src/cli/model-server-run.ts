import { resolve } from "node:path";
import { loadModelScript, startScriptedModelServer, ScriptError } from "../model-server/index.js";
import { StartupError } from "./failure.js";

export interface ModelServerFlags {
  script: string;
  port: number;
  log?: string;
}

/** `spool model-server` once its flags are parsed. */
export async function runModelServer(opts: ModelServerFlags): Promise<void> {
  let script;
  try {
    script = loadModelScript(resolve(opts.script));
  } catch (err) {
    if (err instanceof ScriptError) throw new StartupError(err.message);
    throw err;
  }
  const server = await startScriptedModelServer({
    script,
    port: opts.port,
    logFile: opts.log ? resolve(opts.log) : undefined,
  });
  process.stdout.write(`${server.url}\n`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
