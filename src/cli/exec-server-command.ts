import type { Command } from "commander";
import {
  EXEC_SERVER_TOKEN_ENV,
  generateExecServerToken,
  listenExecServer,
  parseListenUrl,
} from "../exec-server/index.js";
import { logger, type TelemetryHandle } from "../telemetry/index.js";
import { UsageError, collect, loadConfigOrExit, readTokenFile, routeConsoleToStderr } from "./common.js";
import { installTelemetryFromConfig } from "./compose.js";

const log = logger("spool_exec_server::cli");

function positiveInteger(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer`);
    return n;
  };
}

/** Limit flags and the `listenExecServer` option each sets. */
const LIMIT_FLAGS = [
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

type LimitOption = (typeof LIMIT_FLAGS)[number][1];

/**
 * The token the server demands: `--ws-token-file`, else `SPOOL_EXEC_SERVER_TOKEN`, else one
 * generated into a 0600 file under SPOOL_HOME (its path printed on stderr). None only with
 * `--insecure-no-auth`, which says so loudly.
 */
function serverToken(tokenFile: string | undefined, insecureNoAuth: boolean): string | undefined {
  if (insecureNoAuth) {
    if (tokenFile || process.env[EXEC_SERVER_TOKEN_ENV]) {
      throw new UsageError("--insecure-no-auth cannot be combined with a token");
    }
    process.stderr.write(
      "spool exec-server: WARNING: --insecure-no-auth: any local process that can reach this port can run commands as you\n",
    );
    return undefined;
  }
  const configured = readTokenFile(tokenFile, EXEC_SERVER_TOKEN_ENV);
  if (configured) return configured;
  const { token, file } = generateExecServerToken();
  process.stderr.write(`spool exec-server: bearer token written to ${file} (clients read it from there)\n`);
  return token;
}

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
    command.option(`${flag} <n>`, description, positiveInteger(flag));
  }
  command.action(
    async (
      opts: {
        listen: string;
        wsTokenFile?: string;
        insecureNoAuth?: boolean;
        config?: string[];
      } & Partial<Record<LimitOption, number>>,
    ) => {
      // stdout carries only the URL line; console exporters print to stderr.
      routeConsoleToStderr();
      let tracing: TelemetryHandle | undefined;
      try {
        // The same [otel] settings and OTEL_* variables as the app-server, under its own service name.
        tracing = installTelemetryFromConfig(loadConfigOrExit(opts.config), {
          serviceName: "spool-exec-server",
        });
        const { host, port } = parseListenUrl(opts.listen);
        const token = serverToken(opts.wsTokenFile, opts.insecureNoAuth === true);
        const server = await listenExecServer({
          host,
          port,
          ...(token ? { token } : { insecureNoAuth: true }),
          ...Object.fromEntries(
            LIMIT_FLAGS.flatMap(([, key]) => (opts[key] !== undefined ? [[key, opts[key]]] : [])),
          ),
        });
        process.stdout.write(`${server.url}\n`);
        log.info("exec-server listening", { url: server.url });
        // The same exit codes as the app-server: 128 + the signal's number.
        const stop = (signal: NodeJS.Signals) => {
          void server
            .close()
            .then(() => tracing?.shutdown())
            .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      } catch (err) {
        process.stderr.write(`spool exec-server: ${(err as Error).message}\n`);
        await tracing?.shutdown();
        process.exit(2);
      }
    },
  );
}
