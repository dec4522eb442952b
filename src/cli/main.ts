#!/usr/bin/env node
import { Command } from "commander";
import { SPOOL_VERSION } from "../telemetry/index.js";
import { registerModelServerCommand } from "./model-server-command.js";

/** Builds the `spool` program; each verb registers itself from its own module. */
export function buildProgram(): Command {
  const program = new Command("spool")
    .description("An observable AI-agent app-server (Codex app-server v2 protocol)")
    .version(SPOOL_VERSION, "-V, --version")
    .showHelpAfterError();
  // Verb registrations, one line each:
  registerModelServerCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
