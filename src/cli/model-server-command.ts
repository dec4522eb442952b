import { resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { loadModelScript, startScriptedModelServer, ScriptError } from "../model-server/index.js";

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("expected a port number 0-65535");
  return n;
}

/**
 * `spool model-server --script FILE [--port N] [--log FILE]`: serves the scripted model on
 * loopback and prints its base URL (for a provider's `base_url`) as the first stdout line.
 */
export function registerModelServerCommand(program: Command): void {
  program
    .command("model-server")
    .description("Serve a scripted model over the Responses API (HTTP SSE and WebSocket) on loopback")
    .requiredOption("--script <file>", "script file (.json or .toml) of responses and faults")
    .option("--port <n>", "port to listen on (0 picks a free one)", parsePort, 0)
    .option("--log <file>", "append every request received as a JSON line")
    .action(async (opts: { script: string; port: number; log?: string }) => {
      let script;
      try {
        script = loadModelScript(resolve(opts.script));
      } catch (err) {
        if (err instanceof ScriptError) {
          process.stderr.write(`spool model-server: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
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
    });
}
