import {
  EXEC_SERVER_TOKEN_ENV,
  generateExecServerToken,
  listenExecServer,
  parseListenUrl,
} from "../exec-server/index.js";
import { logger, type TelemetryHandle } from "../telemetry/index.js";
import { ListenError } from "../rpc/index.js";
import { loadConfigOrExit, readTokenFile, routeConsoleToStderr } from "./common.js";
import { installTelemetryFromConfig } from "./compose.js";
import { StartupError, UsageError } from "./failure.js";
import { LIMIT_FLAGS, type LimitOption } from "./exec-server-command.js";

const log = logger("spool_exec_server::cli");

export type ExecServerFlags = {
  listen: string;
  wsTokenFile?: string;
  insecureNoAuth?: boolean;
  config?: string[];
} & Partial<Record<LimitOption, number>>;

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

/** `spool exec-server` once its flags are parsed. */
export async function runExecServer(opts: ExecServerFlags): Promise<void> {
  // stdout carries only the URL line; console exporters print to stderr.
  routeConsoleToStderr();
  let listen;
  try {
    listen = parseListenUrl(opts.listen);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const token = serverToken(opts.wsTokenFile, opts.insecureNoAuth === true);
  // The same [otel] settings and OTEL_* variables as the app-server, under its own service name.
  const tracing: TelemetryHandle = installTelemetryFromConfig(loadConfigOrExit(opts.config), {
    serviceName: "spool-exec-server",
  });
  let server;
  try {
    server = await listenExecServer({
      host: listen.host,
      port: listen.port,
      ...(token ? { token } : { insecureNoAuth: true }),
      ...Object.fromEntries(
        LIMIT_FLAGS.flatMap(([, key]) => (opts[key] !== undefined ? [[key, opts[key]]] : [])),
      ),
    });
  } catch (err) {
    await tracing.shutdown();
    // Refusing a non-loopback listener without a token is a setting problem, not a crash.
    if (err instanceof ListenError) throw new StartupError(err.message);
    throw err;
  }
  process.stdout.write(`${server.url}\n`);
  log.info("exec-server listening", { url: server.url });
  // The same exit codes as the app-server: 128 + the signal's number.
  const stop = (signal: NodeJS.Signals) => {
    void server
      .close()
      .then(() => tracing.shutdown())
      .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
