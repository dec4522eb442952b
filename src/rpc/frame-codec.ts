import { parse as parseLossless } from "lossless-json";
import { ErrorCode, JsonRpcRequestSchema, type JsonRpcRequest, type RequestId } from "../protocol/index.js";
import { JsonRpcError } from "./errors.js";
import { formatIssuePath } from "./method-table.js";

/** What one inbound frame is, decided before anything is queued or answered. */
export type InboundFrame =
  | { kind: "request"; request: JsonRpcRequest; exactId?: string }
  | { kind: "notification"; method: string; params: unknown }
  | { kind: "response"; id: string; message: Record<string, unknown> }
  /** A response whose id cannot name a request: logged, never answered. */
  | { kind: "stray-response"; error: unknown }
  /** Answered with `error` at once; `id` is null when the frame named none usable. */
  | { kind: "invalid"; id: RequestId | null; error: JsonRpcError; exactId?: string };

const EXACT_ID_MARKER = "\u0000spool-exact-id\u0000";
const EXACT_ID_MARKER_JSON = JSON.stringify(EXACT_ID_MARKER);

/**
 * The source text of an integer id a double cannot hold (beyond 2^53), so the answer carries the
 * id byte for byte. The lossless re-parse runs only for such frames.
 */
function exactIntegerText(frame: string, parsedId: number): string | undefined {
  if (Number.isSafeInteger(parsedId)) return undefined;
  try {
    const id = (parseLossless(frame) as { id?: unknown } | null)?.id;
    return id !== null && typeof id === "object" ? String(id) : undefined;
  } catch {
    return undefined;
  }
}

/** Parses and classifies one frame; every way a frame can be wrong becomes an `invalid` answer. */
export function decodeFrame(frame: string): InboundFrame {
  let msg: unknown;
  try {
    msg = JSON.parse(frame);
  } catch (err) {
    const error = new JsonRpcError(ErrorCode.ParseError, `Parse error: ${(err as Error).message}`);
    return { kind: "invalid", id: null, error };
  }
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
    const what = Array.isArray(msg) ? "batch requests are not supported" : "message is not a JSON object";
    return { kind: "invalid", id: null, error: JsonRpcError.invalidRequest(`Invalid request: ${what}`) };
  }
  const obj = msg as Record<string, unknown>;
  const rawId = obj.id;
  const idOk = typeof rawId === "string" || (typeof rawId === "number" && Number.isInteger(rawId));
  const id = idOk ? (rawId as RequestId) : null;
  const exactId = idOk && typeof rawId === "number" ? exactIntegerText(frame, rawId) : undefined;
  if ("method" in obj) {
    if (rawId === undefined) {
      if (typeof obj.method === "string") {
        return { kind: "notification", method: obj.method, params: obj.params };
      }
      const error = JsonRpcError.invalidRequest("Invalid request: method must be a string");
      return { kind: "invalid", id: null, error };
    }
    const parsed = JsonRpcRequestSchema.safeParse(obj);
    if (parsed.success) return { kind: "request", request: parsed.data, exactId };
    const issue = parsed.error.issues[0]!;
    const error = JsonRpcError.invalidRequest(
      `Invalid request: ${formatIssuePath(issue.path, "envelope")}: ${issue.message}`,
    );
    return { kind: "invalid", id, error, exactId };
  }
  if ("result" in obj || "error" in obj) {
    // Responses are never answered, not even malformed ones: two peers would ping-pong.
    return idOk
      ? { kind: "response", id: String(rawId), message: obj }
      : { kind: "stray-response", error: obj.error };
  }
  return { kind: "invalid", id, error: JsonRpcError.invalidRequest("Invalid request: no method"), exactId };
}

/**
 * One outbound frame. `exactId` is an integer id's source text, written in place of `msg.id` so a
 * peer's id beyond 2^53 comes back byte for byte. Throws what JSON.stringify throws.
 */
export function encodeFrame(
  msg: Record<string, unknown>,
  exactId: string | undefined,
  writeJsonRpcVersion: boolean,
): string {
  const out = exactId === undefined ? msg : { ...msg, id: EXACT_ID_MARKER };
  const frame = JSON.stringify(writeJsonRpcVersion ? { jsonrpc: "2.0", ...out } : out);
  // `id` is serialized before `result`/`error`, so the first marker is the id's.
  return exactId === undefined ? frame : frame.replace(EXACT_ID_MARKER_JSON, exactId);
}
