import type { Command } from "commander";

/** `spool demo`: the embedded-defaults demo session `npm start` runs. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("Run the demo session: a traced app-server session with embedded defaults, offline")
    .action(async () => (await import("./demo.js")).runDemo());
}
