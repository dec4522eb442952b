/** Base of every error the model client reports in an outcome or throws. */
export class ModelClientError extends Error {
  override readonly name: string = "ModelClientError";
}

/** The provider's `env_key` names a variable that is not set. */
export class MissingApiKeyError extends ModelClientError {
  override readonly name = "MissingApiKeyError";
  constructor(
    readonly providerId: string,
    readonly envKey: string,
    instructions?: string,
  ) {
    super(
      `model provider ${JSON.stringify(providerId)}: environment variable ${envKey} (env_key) is not set` +
        (instructions ? `. ${instructions}` : ""),
    );
  }
}

/** A non-success HTTP status from the Responses endpoint (after any retries). */
export class HttpStatusError extends ModelClientError {
  override readonly name = "HttpStatusError";
  constructor(
    readonly status: number,
    readonly body: string,
    readonly upstreamRequestId: string | null,
  ) {
    super(`Responses API returned HTTP ${status}${body ? `: ${body.slice(0, 500)}` : ""}`);
  }
}

/** `response.failed`, `response.incomplete` or an `error` event. */
export class ResponseFailedError extends ModelClientError {
  override readonly name = "ResponseFailedError";
  constructor(
    readonly eventType: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(`${eventType}${code ? ` (${code})` : ""}: ${message}`);
  }
}

/** No bytes for `stream_idle_timeout_ms` (waiting for headers or between events). */
export class IdleTimeoutError extends ModelClientError {
  override readonly name = "IdleTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`idle timeout waiting for the model stream (${timeoutMs} ms)`);
  }
}

/** The connection closed or failed before a terminal event. */
export class StreamDroppedError extends ModelClientError {
  override readonly name = "StreamDroppedError";
}

/** A WebSocket could not be opened (refused, failed handshake, or not within the connect timeout). */
export class WebSocketConnectError extends ModelClientError {
  override readonly name = "WebSocketConnectError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
