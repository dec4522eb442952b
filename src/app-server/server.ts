import {
  JsonRpcError,
  RpcConnection,
  StreamTransport,
  createRequestTracer,
  listenWebSocket,
  type MethodTable,
  type Transport,
  type WebSocketListener,
} from "../rpc/index.js";
import { experimentalFieldIn } from "../protocol/index.js";
import { logger } from "../telemetry/index.js";
import { APP_SERVER_METHODS } from "./handlers.js";
import { appServerRequestAttributes } from "./request-attributes.js";
import { ConnectionSession } from "./session.js";
import type { AppServerServices, HandlerContext } from "./methods.js";

const log = logger("spool_app_server::server");

/** Where the app-server listens: `stdio://` or `ws://IP:PORT`. */
export type ListenAddress = { kind: "stdio" } | { kind: "websocket"; host: string; port: number };

/** Parses `--listen`; throws with the accepted forms on anything else. */
export function parseListenAddress(text: string): ListenAddress {
  if (text === "stdio://" || text === "stdio") return { kind: "stdio" };
  const m = /^ws:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(text);
  if (!m) throw new Error(`--listen ${text}: expected stdio:// or ws://IP:PORT`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`--listen ${text}: port out of range`);
  return { kind: "websocket", host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

export interface AppServerOptions {
  /** Built by the composition root; the server computes nothing it is given. */
  services: AppServerServices;
  /** Default: the v2 surface (`APP_SERVER_METHODS`). */
  methods?: MethodTable<HandlerContext>;
  maxFrameBytes?: number;
  /** WebSocket frames past this close the connection (1009); between the two they get -32600. */
  frameHardCapBytes?: number;
  maxQueuedMessages?: number;
}

/**
 * The app-server's per-process state; each transport connection gets a session, its own
 * dispatcher (the initialize gate) and an RpcConnection whose every request passes through the
 * request-span factory.
 */
export class AppServer {
  private readonly methods: MethodTable<HandlerContext>;
  private nextConnectionId = 1;
  private readonly connections = new Set<RpcConnection>();

  constructor(private readonly options: AppServerOptions) {
    this.methods = options.methods ?? APP_SERVER_METHODS;
  }

  /** Serves one client over `transport`; resolves when that connection closes. */
  serve(transport: Transport): Promise<void> {
    const id = String(this.nextConnectionId++);
    const connLog = log.child({ connection_id: id });
    const session: ConnectionSession = new ConnectionSession(
      id,
      (method, params) => connection.notify(method, params),
      (method, params, signal) => connection.sendRequest(method, params, { signal }),
    );
    const dispatcher = this.methods.dispatcher();
    const services = this.options.services;
    const connection: RpcConnection = new RpcConnection(transport, {
      id,
      maxQueuedMessages: this.options.maxQueuedMessages,
      tracer: createRequestTracer(transport.kind, (request) => appServerRequestAttributes(session, request)),
      handler: {
        handleRequest(request, ctx) {
          if (!session.experimentalApi) {
            const field = experimentalFieldIn(request.method, request.params);
            if (field) {
              throw JsonRpcError.invalidParams(
                `Invalid params: ${field}: experimental; requires the experimentalApi capability in initialize`,
              );
            }
          }
          const { connection: _raw, ...requestContext } = ctx;
          return dispatcher.dispatch(request, { session, services, request: requestContext });
        },
        handleNotification(method) {
          if (method === "initialized") return;
          connLog.debug("ignoring unknown notification", { method });
        },
        closed() {
          services.subscriptions.dropConnection(session);
        },
      },
    });
    this.connections.add(connection);
    services.subscriptions.addConnection(session);
    connLog.debug("connection opened", { transport: transport.kind });
    return new Promise((resolve) => {
      connection.onClose(() => {
        this.connections.delete(connection);
        connLog.debug("connection closed");
        resolve();
      });
      connection.start();
    });
  }

  /** Serves the process's stdin/stdout; resolves when stdin ends. */
  serveStdio(): Promise<void> {
    return this.serve(
      new StreamTransport(process.stdin, process.stdout, { maxFrameBytes: this.options.maxFrameBytes }),
    );
  }

  /** Listens for WebSocket clients until the returned listener is closed. */
  listenWebSocket(host: string, port: number, token?: string): Promise<WebSocketListener> {
    return listenWebSocket({
      host,
      port,
      token,
      maxFrameBytes: this.options.maxFrameBytes,
      frameHardCapBytes: this.options.frameHardCapBytes,
      onConnection: (transport) => void this.serve(transport),
    });
  }

  /** Ends every loaded thread and flushes its records; call before the process exits. */
  shutdown(): Promise<void> {
    return this.options.services.core.shutdown();
  }

  closeAll(): void {
    for (const c of this.connections) c.close();
  }
}
