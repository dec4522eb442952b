import { Console } from "node:console";
import { readFileSync } from "node:fs";
import { ConfigError, loadConfig, type LoadedConfig } from "../config/index.js";
import { logger, withinTimeout } from "../telemetry/index.js";
import { StartupError } from "./failure.js";

/** Loads config.toml + overrides, noting keys Spool does not act on once at debug level. */
export function loadConfigOrExit(overrides: string[] | undefined): LoadedConfig {
  try {
    const loaded = loadConfig({ overrides });
    if (loaded.unknownKeys.length > 0) {
      logger("spool_config").debug("config keys accepted but not used by Spool", () => ({
        keys: loaded.unknownKeys.join(","),
      }));
    }
    return loaded;
  } catch (err) {
    if (err instanceof ConfigError) throw new StartupError(`config error: ${err.message}`);
    throw err;
  }
}

/** Reads a bearer token from `--ws-token-file`, else the environment variable `envVar`. */
export function readTokenFile(file: string | undefined, envVar: string): string | undefined {
  if (file) {
    try {
      const token = readFileSync(file, "utf8").trim();
      if (token === "") throw new StartupError(`--ws-token-file ${file}: file is empty`);
      return token;
    } catch (err) {
      if (err instanceof StartupError) throw err;
      throw new StartupError(`--ws-token-file ${file}: ${(err as Error).message}`);
    }
  }
  const env = process.env[envVar]?.trim();
  return env ? env : undefined;
}

/** The app-server's token: `--ws-token-file`, else `SPOOL_WS_TOKEN`. */
export function readWsToken(file: string | undefined): string | undefined {
  return readTokenFile(file, "SPOOL_WS_TOKEN");
}

/** stdout carries only protocol: anything printed through `console` goes to stderr instead. */
export function routeConsoleToStderr(): void {
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
}

/**
 * Runs `shutdown` (bounded by `timeoutMs`) on SIGINT/SIGTERM, then exits with the conventional
 * code. The returned function removes the handlers.
 */
export function onTerminationSignals(shutdown: () => Promise<void>, timeoutMs = 5000): () => void {
  let exiting = false;
  const handler = (signal: NodeJS.Signals) => {
    if (exiting) return;
    exiting = true;
    void withinTimeout(shutdown(), timeoutMs).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

/** Resolves once everything written to stdout so far has been handed to the OS. */
export function flushStdout(): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.destroyed || !process.stdout.writable) return resolve();
    // Write callbacks run in order, so this one fires after every earlier write is flushed.
    process.stdout.write("", () => resolve());
  });
}
