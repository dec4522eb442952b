import { randomUUID } from "node:crypto";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { WebSocket } from "ws";
import {
  ExecMethod,
  ProcessClosedNotificationSchema,
  ProcessExitedNotificationSchema,
  ProcessOutputNotificationSchema,
  type EnvironmentInfoResponse,
  type ExecEnvPolicy,
} from "../protocol/index.js";
import {
  ConnectionError,
  RpcConnection,
  WebSocketTransport,
  createInProcessTransportPair,
  type MethodDescriptor,
  type MethodParamsInput,
  type MethodResult,
  type Transport,
} from "../rpc/index.js";
import { environmentInfo, execInitialize, processStart } from "./methods.js";
import { currentSpanW3cTraceContext, logger } from "../telemetry/index.js";
import type { ExecServerOptions } from "./process-options.js";
import { clientExecServerToken } from "./token.js";
import { serveExecConnection } from "./server-connection.js";
import { ExecProcess, type OutputChunk } from "./exec-process.js";

const log = logger("spool_exec_server::client");

/** The exec-server is gone (closed, crashed, unreachable); the message names where it was. */
export class ExecServerUnavailableError extends Error {
  override readonly name = "ExecServerUnavailableError";
}

export interface StartProcessOptions {
  argv: string[];
  /** Absolute native path or `file://` URI; default: the client process's cwd. */
  cwd?: string;
  /**
   * The child's environment: exactly this unless `envPolicy` is given (Codex's rule), else laid
   * over what the policy builds.
   */
  env?: Record<string, string>;
  /**
   * Picks variables from the exec-server's own environment. When neither `env` nor `envPolicy`
   * is given, the default inherits everything except names matching *KEY*, *SECRET*, *TOKEN*.
   */
  envPolicy?: ExecEnvPolicy;
  tty?: boolean;
  pipeStdin?: boolean;
  arg0?: string;
  /** Default: a fresh unique id. */
  processId?: string;
  /** Receives output as it arrives, from the first byte. */
  onOutput?: (chunk: OutputChunk) => void;
  /** Aborting terminates the process (SIGTERM, then SIGKILL after the server's grace period). */
  signal?: AbortSignal;
}

const DEFAULT_ENV_POLICY: ExecEnvPolicy = {
  inherit: "all",
  ignoreDefaultExcludes: false,
  exclude: [],
  set: {},
  includeOnly: [],
};

function cwdUri(cwd: string | undefined): string {
  if (cwd === undefined) return pathToFileURL(process.cwd()).href;
  if (cwd.startsWith("file:")) return cwd;
  if (!isAbsolute(cwd)) throw new TypeError(`cwd must be absolute, got ${JSON.stringify(cwd)}`);
  return pathToFileURL(cwd).href;
}

/** How long `connectWebSocket` waits for the WebSocket handshake before failing. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The client core uses to run commands: the same API whether the exec-server is in this
 * process or remote over WebSocket. A remote exec-server that goes away fails every running
 * process with `ExecServerUnavailableError` naming its URL; there is no reconnect.
 *
 * @example
 * const client = await ExecServerClient.inProcess();
 * const proc = await client.start({ argv: ["echo", "hi"], onOutput: (c) => process.stdout.write(c.bytes) });
 * const { exitCode } = await proc.wait();
 */
export class ExecServerClient {
  private readonly processes = new Map<string, ExecProcess>();
  private lostReason: string | undefined;
  private closing = false;

  private constructor(
    private readonly connection: RpcConnection,
    /** Where the exec-server is, for error messages: its URL or `in-process`. */
    readonly endpoint: string,
  ) {}

  /** Connects over any transport and initializes the session. */
  static async connect(
    transport: Transport,
    options: { endpoint: string; clientName?: string },
  ): Promise<ExecServerClient> {
    const connection = new RpcConnection(transport, {
      handler: {
        handleRequest: () => {
          throw new Error("the exec-server client answers no requests");
        },
        handleNotification: (method, params) => client.onNotification(method, params),
      },
    });
    const client = new ExecServerClient(connection, options.endpoint);
    connection.onClose((error) => client.onConnectionLost(error));
    connection.start();
    try {
      await client.call(execInitialize, { clientName: options.clientName ?? "spool" });
    } catch (err) {
      client.close();
      throw err;
    }
    connection.notify(ExecMethod.Initialized, {});
    return client;
  }

  /** Connects to `spool exec-server --listen ws://…` (or any Codex-compatible exec-server). */
  static async connectWebSocket(
    url: string,
    options: { token?: string; clientName?: string; signal?: AbortSignal; connectTimeoutMs?: number } = {},
  ): Promise<ExecServerClient> {
    // The same sources the server reads: an explicit token, SPOOL_EXEC_SERVER_TOKEN, or the file
    // a local server generated.
    const token = options.token ?? clientExecServerToken();
    const socket = new WebSocket(url, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      perMessageDeflate: false,
      // A host that accepts the TCP connection but never completes the upgrade must not hang a turn.
      handshakeTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        cleanup();
        // terminate() during a handshake emits one more 'error'; it has nothing left to say.
        socket.on("error", () => {});
        socket.terminate();
        reject(new ExecServerUnavailableError(`cannot reach exec-server at ${url}: ${err.message}`));
      };
      const onAbort = () => fail(new Error("aborted"));
      const cleanup = () => {
        socket.off("open", onOpen);
        socket.off("error", fail);
        socket.off("unexpected-response", onResponse);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const onOpen = () => {
        cleanup();
        resolve();
      };
      const onResponse = (_req: unknown, res: { statusCode?: number }) =>
        fail(new Error(`handshake refused with HTTP ${res.statusCode ?? "?"}`));
      socket.once("open", onOpen);
      socket.once("error", fail);
      socket.once("unexpected-response", onResponse);
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
    return ExecServerClient.connect(new WebSocketTransport(socket), {
      endpoint: url,
      ...(options.clientName ? { clientName: options.clientName } : {}),
    });
  }

  /** A client and an exec-server joined in memory: core's default. */
  static async inProcess(
    options: ExecServerOptions & { clientName?: string } = {},
  ): Promise<ExecServerClient> {
    const { clientName, ...serverOptions } = options;
    const [clientEnd, serverEnd] = createInProcessTransportPair();
    serveExecConnection(serverEnd, serverOptions);
    return ExecServerClient.connect(clientEnd, {
      endpoint: "in-process",
      ...(clientName ? { clientName } : {}),
    });
  }

  /**
   * Starts a process. Output goes to `options.onOutput` (or listeners added later) as it
   * arrives; the request carries the current span so the server's span continues this trace.
   */
  async start(options: StartProcessOptions): Promise<ExecProcess> {
    options.signal?.throwIfAborted();
    const processId = options.processId ?? `proc-${randomUUID()}`;
    if (this.processes.has(processId)) throw new TypeError(`process ${processId} is already running here`);
    const proc = new ExecProcess(processId, this, options.onOutput);
    // Registered before the request goes out, so no notification can arrive unrouted.
    this.processes.set(processId, proc);
    try {
      await this.call(processStart, {
        processId,
        argv: options.argv,
        cwd: cwdUri(options.cwd),
        env: options.env ?? {},
        tty: options.tty ?? false,
        pipeStdin: options.pipeStdin ?? false,
        arg0: options.arg0 ?? null,
        envPolicy: options.envPolicy ?? (options.env ? null : DEFAULT_ENV_POLICY),
      });
    } catch (err) {
      this.processes.delete(processId);
      throw err;
    }
    const signal = options.signal;
    if (signal) {
      const onAbort = () => {
        proc
          .terminate()
          .catch((err: unknown) => log.debug("terminate on abort failed", () => ({ error: String(err) })));
      };
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener("abort", onAbort, { once: true });
        const detach = () => signal.removeEventListener("abort", onAbort);
        proc.wait().then(detach, detach);
      }
    }
    return proc;
  }

  async environmentInfo(): Promise<EnvironmentInfoResponse> {
    return this.call(environmentInfo, {});
  }

  /** Closes the connection; the server kills everything this client started. */
  close(): void {
    this.closing = true;
    this.connection.close();
  }

  /**
   * @internal One described call carrying the current span, whose connection failures name the
   * endpoint.
   */
  async call<D extends MethodDescriptor>(
    descriptor: D,
    params: MethodParamsInput<D>,
  ): Promise<MethodResult<D>> {
    if (this.lostReason !== undefined) throw new ExecServerUnavailableError(this.lostReason);
    try {
      return await this.connection.call(descriptor, params, currentSpanW3cTraceContext());
    } catch (err) {
      if (err instanceof ConnectionError) {
        throw new ExecServerUnavailableError(
          this.lostReason ?? `exec-server at ${this.endpoint}: ${err.message}`,
        );
      }
      throw err;
    }
  }

  private onNotification(method: string, params: unknown): void {
    switch (method) {
      case ExecMethod.ProcessOutput: {
        const n = ProcessOutputNotificationSchema.safeParse(params);
        if (!n.success) return this.malformed(method);
        this.processes.get(n.data.processId)?.deliver({
          seq: n.data.seq,
          stream: n.data.stream,
          bytes: Buffer.from(n.data.chunk, "base64"),
        });
        return;
      }
      case ExecMethod.ProcessExited: {
        const n = ProcessExitedNotificationSchema.safeParse(params);
        if (!n.success) return this.malformed(method);
        this.processes.get(n.data.processId)?.markExited(n.data.exitCode);
        return;
      }
      case ExecMethod.ProcessClosed: {
        const n = ProcessClosedNotificationSchema.safeParse(params);
        if (!n.success) return this.malformed(method);
        const proc = this.processes.get(n.data.processId);
        this.processes.delete(n.data.processId);
        proc?.markClosed();
        return;
      }
      default:
        log.debug("ignoring unknown exec-server notification", { method });
    }
  }

  private malformed(method: string): void {
    log.warn("malformed exec-server notification ignored", { method, endpoint: this.endpoint });
  }

  private onConnectionLost(error?: Error): void {
    const why = this.closing ? "the client closed the connection" : (error?.message ?? "connection closed");
    this.lostReason = `exec-server at ${this.endpoint} went away: ${why}`;
    const failure = new ExecServerUnavailableError(this.lostReason);
    for (const proc of this.processes.values()) proc.fail(failure);
    this.processes.clear();
  }
}
