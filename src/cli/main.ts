#!/usr/bin/env node
import { Command } from "commander";
import { SPOOL_VERSION } from "../telemetry/index.js";
import { UsageError } from "./common.js";
import { registerAppServerCommand } from "./app-server-command.js";
import { registerDemoCommand } from "./demo-command.js";
import { registerExecServerCommand } from "./exec-server-command.js";
import { registerDebugCommand } from "./debug-command.js";
import { registerModelServerCommand } from "./model-server-command.js";
import { registerObserveCommands } from "./observe-command.js";

/** Builds the `spool` program; each verb registers itself from its own module. */
export function buildProgram(): Command {
  const program = new Command("spool")
    .description("An observable AI-agent app-server (Codex app-server v2 protocol)")
    .version(SPOOL_VERSION, "-V, --version")
    .showHelpAfterError();
  // Verb registrations, one line each:
  registerAppServerCommand(program);
  registerDemoCommand(program);
  registerExecServerCommand(program);
  registerDebugCommand(program);
  registerModelServerCommand(program);
  registerObserveCommands(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`spool: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
