import {
  CoreBusyError,
  InvalidCoreArgumentError,
  InvalidTurnStateError,
  ThreadNotFoundError,
} from "../core/index.js";
import { JsonRpcError } from "../rpc/index.js";
import { ErrorCode } from "../protocol/index.js";

/** Runs a core call, turning core's typed errors into the JSON-RPC errors clients expect. */
export function coreCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ThreadNotFoundError || err instanceof InvalidTurnStateError) {
      throw JsonRpcError.invalidRequest(err.message);
    }
    if (err instanceof InvalidCoreArgumentError)
      throw JsonRpcError.invalidParams(`Invalid params: ${err.message}`);
    if (err instanceof CoreBusyError)
      throw new JsonRpcError(ErrorCode.ServerOverloaded, "Server overloaded; retry later.");
    throw err;
  }
}
