import type { Command } from "commander";
import { collect, integerAtLeast } from "./options.js";
import type { ExecServerFlags } from "./exec-server-run.js";

/** Limit flags and the `listenExecServer` option each sets. */
export const LIMIT_FLAGS = [
  [
    "--retained-output-bytes",
    "retainedOutputBytes",
    "output bytes kept per process for process/read (default 4 MiB)",
  ],
  ["--max-processes", "maxProcesses", "processes running at once per connection (default 64)"],
  ["--max-total-processes", "maxTotalProcesses", "processes running at once in total (default 256)"],
  [
    "--max-retained-output-bytes",
    "maxRetainedOutputBytes",
    "output bytes retained per connection (default 64 MiB)",
  ],
  [
    "--max-total-retained-output-bytes",
    "maxTotalRetainedOutputBytes",
    "output bytes retained in total (default 256 MiB)",
  ],
  [
    "--max-pending-stdin-bytes",
    "maxPendingStdinBytes",
    "unread stdin bytes per process before writes are refused (default 1 MiB)",
  ],
  ["--max-wait-ms", "maxWaitMs", "longest process/read waitMs; larger values are clamped (default 60000)"],
] as const;

export type LimitOption = (typeof LIMIT_FLAGS)[number][1];

/**
 * `spool exec-server --listen ws://127.0.0.1:0 [--ws-token-file F]`: serves the exec-server
 * protocol over WebSocket and prints the bound URL on stdout (logs go to stderr).
 */
export function registerExecServerCommand(program: Command): void {
  const command = program
    .command("exec-server")
    .description("Run commands for a remote Spool (or Codex) over the exec-server protocol")
    .option("--listen <url>", "ws://HOST:PORT to listen on (port 0 picks one)", "ws://127.0.0.1:0")
    .option(
      "--ws-token-file <file>",
      "bearer token clients must present (or SPOOL_EXEC_SERVER_TOKEN; else one is generated)",
    )
    .option("--insecure-no-auth", "serve loopback without a token (any local process can run commands)")
    .option("-c, --config <key=value>", "override a config.toml key (value parsed as TOML)", collect);
  for (const [flag, , description] of LIMIT_FLAGS) {
    command.option(`${flag} <n>`, description, integerAtLeast(1));
  }
  command.action(async (flags: ExecServerFlags) =>
    (await import("./exec-server-run.js")).runExecServer(flags),
  );
}
