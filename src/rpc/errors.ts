import { ErrorCode } from "../protocol/index.js";

/**
 * A protocol error a handler (or the dispatcher) returns to the peer. Only this type's code and
 * message reach the wire; any other thrown value becomes -32603 with its stack in the log.
 */
export class JsonRpcError extends Error {
  override readonly name = "JsonRpcError";
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  static invalidRequest(message: string, data?: unknown): JsonRpcError {
    return new JsonRpcError(ErrorCode.InvalidRequest, message, data);
  }
  static methodNotFound(method: string): JsonRpcError {
    return new JsonRpcError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
  }
  static invalidParams(message: string, data?: unknown): JsonRpcError {
    return new JsonRpcError(ErrorCode.InvalidParams, message, data);
  }
  static internal(message: string): JsonRpcError {
    return new JsonRpcError(ErrorCode.InternalError, message);
  }
}

/** The connection is closed or broken; the request will never be answered. */
export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
}

/** The peer answered a described method with a result its schema refuses. */
export class InvalidResultError extends Error {
  override readonly name = "InvalidResultError";
  constructor(
    readonly method: string,
    message: string,
  ) {
    super(message);
  }
}
