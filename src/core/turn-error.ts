import {
  HttpStatusError,
  IdleTimeoutError,
  MissingApiKeyError,
  ResponseFailedError,
  StreamDroppedError,
  WebSocketConnectError,
  type ModelClientError,
} from "../model-client/index.js";
import type { CodexErrorInfo, TurnError } from "../protocol/index.js";

function statusInfo(status: number): CodexErrorInfo {
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 400) return "badRequest";
  if (status === 404) return "modelNotFound";
  if (status === 429) return "usageLimitExceeded";
  return { responseTooManyFailedAttempts: { httpStatusCode: status } };
}

/** The `TurnError` a client sees for a failed model request; its text never reaches a span. */
export function turnErrorOf(error: ModelClientError, status: "failed" | "dropped"): TurnError {
  let info: CodexErrorInfo = "other";
  if (error instanceof MissingApiKeyError) info = "unauthorized";
  else if (error instanceof HttpStatusError) info = statusInfo(error.status);
  else if (error instanceof WebSocketConnectError)
    info = { responseStreamConnectionFailed: { httpStatusCode: error.status ?? null } };
  else if (error instanceof StreamDroppedError || error instanceof IdleTimeoutError || status === "dropped")
    info = { responseStreamDisconnected: { httpStatusCode: null } };
  else if (error instanceof ResponseFailedError)
    info = error.code === "context_length_exceeded" ? "contextWindowExceeded" : "internalServerError";
  return { message: error.message, codexErrorInfo: info, additionalDetails: null };
}
