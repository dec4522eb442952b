import type { Command } from "commander";
import { listenExecServer, parseListenUrl } from "../exec-server/index.js";
import { logger, type TelemetryHandle } from "../telemetry/index.js";
import { collect, loadConfigOrExit, readWsToken, routeConsoleToStderr } from "./common.js";
import { installTelemetryFromConfig } from "./compose.js";

const log = logger("spool_exec_server::cli");

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
    .option("--retained-output-bytes <n>", "output bytes kept per process for process/read", (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n <= 0)
        throw new Error(`--retained-output-bytes must be a positive integer`);
      return n;
    })
    .action(
      async (opts: {
        listen: string;
        wsTokenFile?: string;
        retainedOutputBytes?: number;
        config?: string[];
      }) => {
        // stdout carries only the URL line; console exporters print to stderr.
        routeConsoleToStderr();
        let tracing: TelemetryHandle | undefined;
        try {
          // The same [otel] settings and OTEL_* variables as the app-server, under its own service name.
          tracing = installTelemetryFromConfig(loadConfigOrExit(opts.config), {
            serviceName: "spool-exec-server",
          });
          const { host, port } = parseListenUrl(opts.listen);
          const token = readWsToken(opts.wsTokenFile);
          const server = await listenExecServer({
            host,
            port,
            ...(token ? { token } : {}),
            ...(opts.retainedOutputBytes ? { retainedOutputBytes: opts.retainedOutputBytes } : {}),
          });
          process.stdout.write(`${server.url}\n`);
          log.info("exec-server listening", { url: server.url });
          const stop = () => {
            void server
              .close()
              .then(() => tracing?.shutdown())
              .finally(() => process.exit(0));
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
