import type { Command } from "commander";
import { port } from "./options.js";
import type { ModelServerFlags } from "./model-server-run.js";

/**
 * `spool model-server --script FILE [--port N] [--log FILE]`: serves the scripted model on
 * loopback and prints its base URL (for a provider's `base_url`) as the first stdout line.
 */
export function registerModelServerCommand(program: Command): void {
  program
    .command("model-server")
    .description("Serve a scripted model over the Responses API (HTTP SSE and WebSocket) on loopback")
    .requiredOption("--script <file>", "script file (.json or .toml) of responses and faults")
    .option("--port <n>", "port to listen on (0 picks a free one)", port, 0)
    .option("--log <file>", "append every request received as a JSON line")
    .action(async (flags: ModelServerFlags) => (await import("./model-server-run.js")).runModelServer(flags));
}
