import type { Command } from "commander";
import { collect, integerAtLeast } from "./options.js";
import type { ExecServerFlags } from "./exec-server-run.js";

/**
 * `spool exec-server --listen ws://127.0.0.1:0 [--ws-token-file F]`: serves the exec-server
 * protocol over WebSocket and prints the bound URL on stdout (logs go to stderr).
 */
export function registerExecServerCommand(program: Command): void {
  program
    .command("exec-server")
    .description("Run commands for a remote Spool (or Codex) over the exec-server protocol")
    .option("--listen <url>", "ws://HOST:PORT to listen on (port 0 picks one)", "ws://127.0.0.1:0")
    .option("--ws-token-file <file>", "bearer token clients must present (required off loopback)")
    .option("-c, --config <key=value>", "override a config.toml key (value parsed as TOML)", collect)
    .option(
      "--retained-output-bytes <n>",
      "output bytes kept per process for process/read",
      integerAtLeast(1),
    )
    .action(async (flags: ExecServerFlags) => (await import("./exec-server-run.js")).runExecServer(flags));
}
