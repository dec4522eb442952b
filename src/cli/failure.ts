import { CommanderError, type Command } from "commander";

/**
 * A bad command line (unknown verb or option, missing or invalid argument, invalid option value):
 * `spool: <message>`, the verb's usage line, exit 2.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** The verb whose usage is shown; main fills it in for errors thrown from an action. */
  command?: Command;
  /** commander already printed the verb's whole help (a verb given without its sub-verb). */
  helpShown = false;
}

/**
 * Input Spool cannot start with or work on (a config file, a `-c` value, an invalid bundle, a
 * listener that may not open): `spool: <message>`, exit 2, no usage line (the command line is fine).
 */
export class StartupError extends Error {
  override readonly name = "StartupError";
}

const EXIT_USAGE = 2;
const EXIT_RUNTIME = 1;

/** `spool debug trace-reduce` from a command object. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

function usageLines(cmd: Command): string {
  const path = commandPath(cmd);
  return `Usage: ${path} ${cmd.usage()}\nRun '${path} --help' for details.\n`;
}

/**
 * Makes every command report parse errors by throwing (main prints them) instead of printing
 * commander's own text and exiting 1. Call after all verbs are registered.
 */
export function routeParseErrors(program: Command): void {
  const visit = (cmd: Command): void => {
    cmd.configureOutput({ outputError: () => {} });
    cmd.exitOverride((err) => {
      // --help and --version end the process successfully through the same path.
      if (err.exitCode === 0) throw err;
      const helpShown = err.code === "commander.help";
      const usage = new UsageError(helpShown ? "missing command" : err.message.replace(/^error: /, ""));
      usage.command = cmd;
      usage.helpShown = helpShown;
      throw usage;
    });
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
}

/**
 * The one place a failure becomes output and an exit status: usage errors exit 2 with the verb's
 * usage, start-up errors exit 2, anything else exits 1; a stack trace only with `SPOOL_DEBUG=1`.
 */
export function reportFailure(err: unknown, fallbackCommand: Command): number {
  if (err instanceof CommanderError && err.exitCode === 0) return 0;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof UsageError) {
    const usage = err.helpShown ? "" : usageLines(err.command ?? fallbackCommand);
    process.stderr.write(`spool: ${message}\n${usage}`);
    return EXIT_USAGE;
  }
  if (err instanceof StartupError) {
    process.stderr.write(`spool: ${message}\n`);
    return EXIT_USAGE;
  }
  process.stderr.write(`spool: ${message}\n`);
  if (process.env.SPOOL_DEBUG === "1" && err instanceof Error && err.stack) {
    process.stderr.write(`${err.stack}\n`);
  }
  return EXIT_RUNTIME;
}
