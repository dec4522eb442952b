import type { InitializeParams } from "../protocol/index.js";

/**
 * What the app-server knows about one client connection: who the client said it was (the
 * connection-scoped identity on every request span) and which notifications it opted out of.
 * The initialize gate itself is the connection's method dispatcher's.
 */
export class ConnectionSession {
  clientName: string | undefined;
  clientVersion: string | undefined;
  experimentalApi = false;
  private optOut: ReadonlySet<string> = new Set();

  constructor(
    readonly id: string,
    private readonly send: (method: string, params: unknown) => void,
    private readonly sendRequest?: (
      method: string,
      params: unknown,
      signal: AbortSignal,
    ) => { id: number; response: Promise<unknown> },
  ) {}

  /** Records the client's `initialize`; the dispatcher has already refused a second one. */
  initialize(params: InitializeParams): void {
    this.clientName = params.clientInfo.name;
    this.clientVersion = params.clientInfo.version;
    this.experimentalApi = params.capabilities?.experimentalApi ?? false;
    this.optOut = new Set(params.capabilities?.optOutNotificationMethods ?? []);
  }

  /** Sends a notification unless this connection opted out of its method. */
  notify(method: string, params: unknown): boolean {
    if (this.optOut.has(method)) return false;
    this.send(method, params);
    return true;
  }

  /**
   * Sends a server → client request (an approval); undefined on a connection that cannot take
   * requests. Aborting `signal` abandons it.
   */
  request(
    method: string,
    params: unknown,
    signal: AbortSignal,
  ): { id: number; response: Promise<unknown> } | undefined {
    return this.sendRequest?.(method, params, signal);
  }
}
