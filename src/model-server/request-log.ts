import { appendFileSync } from "node:fs";

/** What the scripted server records about each model request it receives. */
export interface RequestLogEntry {
  /** 1-based arrival order across HTTP and WebSocket. */
  seq: number;
  time: string;
  transport: "http" | "websocket";
  /** Server-wide connection number for WebSocket requests (same number = same socket); `null` over HTTP. */
  connection: number | null;
  method: string;
  path: string;
  /** Lower-cased request headers (WebSocket: the handshake's); `authorization` redacted. */
  headers: Record<string, string>;
  /** The parsed JSON body (WebSocket: the `response.create` message). */
  body: unknown;
  /** Index of the script step served, `null` for warm-ups, errors and exhausted scripts. */
  step: number | null;
  label: string | null;
  /** The `x-request-id` sent back (`null` over WebSocket). */
  x_request_id: string | null;
  response_id: string | null;
  /** `generate: false` warm-up. */
  warmup: boolean;
  /**
   * How the request ended: `completed`, `failed`, `incomplete`, `warmup`, `http_<status>`,
   * `cut`, `malformed`, `hung`, `bad_request`, `exhausted`; `pending` until then.
   */
  result: string;
  /** The client went away before the server finished. */
  client_closed: boolean;
  ended: boolean;
  duration_ms: number | null;
}

/** Appends each finished entry as one JSON line (sync: a log line must survive a crash). */
export class RequestLogFile {
  constructor(private readonly path: string) {}
  write(entry: RequestLogEntry): void {
    try {
      appendFileSync(this.path, JSON.stringify(entry) + "\n");
    } catch (err) {
      process.stderr.write(
        `scripted model server: cannot write request log ${this.path}: ${(err as Error).message}\n`,
      );
    }
  }
}

export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const key = k.toLowerCase();
    out[key] = key === "authorization" ? "[REDACTED]" : Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}
