import {
  CoreBusyError,
  InvalidCoreArgumentError,
  InvalidTurnStateError,
  ThreadNotFoundError,
} from "../core/index.js";
import { JsonRpcError } from "../rpc/index.js";
import { ErrorCode } from "../protocol/index.js";

/** Core's typed errors as the JSON-RPC errors clients expect; anything else as it is. */
function toRpcError(err: unknown): unknown {
  if (err instanceof ThreadNotFoundError || err instanceof InvalidTurnStateError) {
    return JsonRpcError.invalidRequest(err.message);
  }
  if (err instanceof InvalidCoreArgumentError)
    return JsonRpcError.invalidParams(`Invalid params: ${err.message}`);
  if (err instanceof CoreBusyError)
    return new JsonRpcError(ErrorCode.ServerOverloaded, "Server overloaded; retry later.");
  return err;
}

/** Runs a core call (a promise's rejection too), turning core's typed errors into JSON-RPC errors. */
export function coreCall<T>(fn: () => T): T {
  try {
    const result = fn();
    if (result instanceof Promise) {
      return result.catch((err: unknown) => {
        throw toRpcError(err);
      }) as T;
    }
    return result;
  } catch (err) {
    throw toRpcError(err);
  }
}
