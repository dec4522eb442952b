import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spoolHome } from "../config/index.js";

/** The environment variable carrying the exec-server's bearer token, for server and client. */
export const EXEC_SERVER_TOKEN_ENV = "SPOOL_EXEC_SERVER_TOKEN";

/** Where a server without a configured token writes the one it generates: `$SPOOL_HOME/exec-server.token`. */
export function execServerTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(spoolHome(env), "exec-server.token");
}

/**
 * Generates a token and writes it to `execServerTokenFile` with mode 0600 (the directory 0700
 * when created), replacing an older one: only processes of this user can read it.
 */
export function generateExecServerToken(env: NodeJS.ProcessEnv = process.env): {
  token: string;
  file: string;
} {
  const file = execServerTokenFile(env);
  mkdirSync(spoolHome(env), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString("base64url");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  // writeFileSync's mode applies only when it creates the file.
  chmodSync(file, 0o600);
  return { token, file };
}

/**
 * The token a client presents when none is given: `SPOOL_EXEC_SERVER_TOKEN`, else the file a
 * local server generated. Undefined when neither exists.
 */
export function clientExecServerToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env[EXEC_SERVER_TOKEN_ENV]?.trim();
  if (fromEnv) return fromEnv;
  try {
    const token = readFileSync(execServerTokenFile(env), "utf8").trim();
    return token === "" ? undefined : token;
  } catch {
    return undefined;
  }
}
