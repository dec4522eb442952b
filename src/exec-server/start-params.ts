import { isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProcessStartParams } from "../protocol/index.js";
import { JsonRpcError } from "../rpc/index.js";

function cwdFromUri(uri: string): string {
  let path: string;
  try {
    const url = new URL(uri);
    if (url.protocol !== "file:") throw new Error("not a file URI");
    path = fileURLToPath(url);
  } catch {
    throw JsonRpcError.invalidParams(`cwd must be an absolute file:// URI, got ${JSON.stringify(uri)}`);
  }
  if (!isAbsolute(path)) {
    throw JsonRpcError.invalidParams(`cwd must be an absolute file:// URI, got ${JSON.stringify(uri)}`);
  }
  return path;
}

function unsupportedFields(params: ProcessStartParams): string[] {
  const out: string[] = [];
  if (params.sandbox !== undefined && params.sandbox !== null) out.push("sandbox");
  if (params.enforceManagedNetwork === true) out.push("enforceManagedNetwork");
  if (params.managedNetwork !== undefined && params.managedNetwork !== null) out.push("managedNetwork");
  return out;
}

/**
 * Checks the `process/start` params this server can honour and returns the child's working
 * directory; anything it cannot honour is an invalid-params error, never silently dropped.
 */
export function checkStartParams(params: ProcessStartParams): string {
  if (params.argv.length === 0) throw JsonRpcError.invalidParams("argv must not be empty");
  const cwd = cwdFromUri(params.cwd);
  const unsupported = unsupportedFields(params);
  if (unsupported.length > 0) {
    throw JsonRpcError.invalidParams(
      `unsupported by the Spool exec-server: ${unsupported.join(", ")} (no sandbox or managed network is enforced; refusing to run unconfined)`,
    );
  }
  if (params.tty && params.arg0 !== null) {
    throw JsonRpcError.invalidParams("arg0 is not supported with tty: true");
  }
  return cwd;
}
