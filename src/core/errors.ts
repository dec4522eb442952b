/** Base of the errors core reports to the app-server (mapped there to JSON-RPC errors). */
export class CoreError extends Error {
  override readonly name: string = "CoreError";
}

/** No thread with that id, loaded or on disk. */
export class ThreadNotFoundError extends CoreError {
  override readonly name = "ThreadNotFoundError";
  constructor(
    readonly threadId: string,
    message = `thread not found: ${threadId}`,
  ) {
    super(message);
  }
}

/** A request that does not fit the thread's state (no active turn, wrong expected turn id, …). */
export class InvalidTurnStateError extends CoreError {
  override readonly name = "InvalidTurnStateError";
}

/** A bad argument the schema could not catch (unknown provider, unknown turn id, …). */
export class InvalidCoreArgumentError extends CoreError {
  override readonly name = "InvalidCoreArgumentError";
}

/** A bounded queue is full; the client should retry later. */
export class CoreBusyError extends CoreError {
  override readonly name = "CoreBusyError";
}
