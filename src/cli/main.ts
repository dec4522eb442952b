#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { reportFailure, routeParseErrors } from "./failure.js";
import { registerAppServerCommand } from "./app-server-command.js";
import { registerDemoCommand } from "./demo-command.js";
import { registerExecServerCommand } from "./exec-server-command.js";
import { registerDebugCommand } from "./debug-command.js";
import { registerModelServerCommand } from "./model-server-command.js";
import { registerObserveCommands } from "./observe-command.js";

/** Read here, not through telemetry: `spool --version` must not load what the verbs need. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Builds the `spool` program. Each verb registers its options from a light module and imports
 * what it runs only when invoked, so start-up costs what the chosen verb needs and no more.
 */
export function buildProgram(): Command {
  const program = new Command("spool")
    .description("An observable AI-agent app-server (Codex app-server v2 protocol)")
    .version(packageVersion(), "-V, --version");
  // Verb registrations, one line each:
  registerAppServerCommand(program);
  registerDemoCommand(program);
  registerExecServerCommand(program);
  registerDebugCommand(program);
  registerModelServerCommand(program);
  registerObserveCommands(program);
  routeParseErrors(program);
  return program;
}

const program = buildProgram();
let running: Command = program;
program.hook("preAction", (_root, action) => {
  running = action;
});
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportFailure(err, running);
}
