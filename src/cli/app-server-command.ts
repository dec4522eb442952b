import type { Command } from "commander";
import { collect, integerAtLeast } from "./options.js";
import type { AppServerFlags } from "./app-server-run.js";

/** `spool app-server`: the JSON-RPC app-server over stdio or WebSocket. */
export function registerAppServerCommand(program: Command): void {
  program
    .command("app-server")
    .description("Run the JSON-RPC app-server (Codex app-server v2 protocol)")
    .option("--listen <address>", "stdio:// or ws://IP:PORT (loopback unless a token is set)", "stdio://")
    .option("-c, --config <key=value>", "override a config.toml key (value parsed as TOML)", collect)
    .option("--ws-token-file <path>", "bearer token WebSocket clients must present (or SPOOL_WS_TOKEN)")
    .option("--max-frame-bytes <n>", "largest inbound message accepted (default 8 MiB)", integerAtLeast(1))
    .option(
      "--frame-hard-cap-bytes <n>",
      "WebSocket frames past this close the connection instead of getting -32600 (default 64 MiB)",
      integerAtLeast(1),
    )
    .option(
      "--max-outbound-bytes <n>",
      "unsent answers per connection past which its requests are no longer read (default 4 MiB; 0: unbounded)",
      integerAtLeast(0),
    )
    .option(
      "--outbound-stall-ms <ms>",
      "a connection over --max-outbound-bytes that takes nothing for this long is closed (default 30000)",
      integerAtLeast(1),
    )
    .action(async (flags: AppServerFlags) => (await import("./app-server-run.js")).runAppServer(flags));
}
