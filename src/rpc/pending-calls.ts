import { ErrorCode, type JsonRpcErrorObject } from "../protocol/index.js";
import { ConnectionError, JsonRpcError } from "./errors.js";

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** The requests this side has sent and is waiting on, by id. */
export class PendingCalls {
  private readonly calls = new Map<string, PendingCall>();

  /**
   * Registers `id` and resolves with its answer. Aborting `signal` stops waiting: the id leaves
   * the table (a late answer is then unknown) and the promise rejects. `send` runs only if the
   * call is still wanted once registered.
   */
  wait<T>(id: number, method: string, signal: AbortSignal | undefined, send: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const key = String(id);
      const onAbort = () => {
        if (this.calls.delete(key)) reject(new ConnectionError(`request ${method} abandoned`));
      };
      this.calls.set(key, {
        resolve: (v) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(v as T);
        },
        reject: (e) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      });
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      send();
    });
  }

  /** Settles the call a response answers; false when no call has that id. */
  answer(id: string, message: Record<string, unknown>): boolean {
    const call = this.calls.get(id);
    if (!call) return false;
    this.calls.delete(id);
    const error = message.error as Partial<JsonRpcErrorObject> | undefined;
    if (error === undefined) {
      call.resolve(message.result);
    } else {
      const code = Number(error?.code ?? ErrorCode.InternalError);
      call.reject(new JsonRpcError(code, String(error?.message ?? "error"), error?.data));
    }
    return true;
  }

  /** The peer is gone: nothing waiting can be answered any more. */
  rejectAll(reason: Error): void {
    for (const call of this.calls.values()) call.reject(reason);
    this.calls.clear();
  }
}
