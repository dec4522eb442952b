import { resolveModelProviders, selectModelProvider, type LoadedConfig } from "../config/index.js";
import {
  RpcConnection,
  StreamTransport,
  createRequestTracer,
  listenWebSocket,
  type Transport,
  type WebSocketListener,
} from "../rpc/index.js";
import { logger } from "../telemetry/index.js";
import { METHODS } from "./handlers.js";
import { ModelCatalog } from "./model-catalog.js";
import { MessageProcessor } from "./processor.js";
import { appServerRequestAttributes } from "./request-attributes.js";
import { ConnectionSession } from "./session.js";
import type { AppServerServices } from "./methods.js";

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
  config: LoadedConfig;
  maxFrameBytes?: number;
  maxQueuedMessages?: number;
}

/**
 * The app-server's per-process state; each transport connection gets a session, a message
 * processor and an RpcConnection whose every request passes through the request-span factory.
 */
export class AppServer {
  private readonly services: AppServerServices;
  private nextConnectionId = 1;
  private readonly connections = new Set<RpcConnection>();

  /** Throws `ConfigError` naming the key when the provider settings are unusable. */
  constructor(private readonly options: AppServerOptions) {
    const { config } = options;
    const resolveOptions = {
      file: config.file,
      origins: config.origins,
      strictId: config.config.model_provider ?? "openai",
      onInvalid: (id: string, error: Error) =>
        log.debug("model provider not usable by Spool; ignored", { provider: id, reason: error.message }),
    };
    const providers = resolveModelProviders(config.config.model_providers, resolveOptions);
    this.services = {
      config,
      catalog: new ModelCatalog(config.config),
      providers,
      modelProvider: selectModelProvider(config.config, resolveOptions, providers),
    };
  }

  /** Serves one client over `transport`; resolves when that connection closes. */
  serve(transport: Transport): Promise<void> {
    const id = String(this.nextConnectionId++);
    const session = new ConnectionSession(id, (method, params) => connection.notify(method, params));
    const connection = new RpcConnection(transport, {
      id,
      maxQueuedMessages: this.options.maxQueuedMessages,
      tracer: createRequestTracer(transport.kind, (request) => appServerRequestAttributes(session, request)),
      handler: {
        handleRequest: (request, ctx) => processor.handleRequest(request, ctx),
        handleNotification: (method) => processor.handleNotification(method),
      },
    });
    const processor = new MessageProcessor(session, this.services, METHODS);
    this.connections.add(connection);
    log.debug("connection opened", { connection_id: id, transport: transport.kind });
    return new Promise((resolve) => {
      connection.onClose(() => {
        this.connections.delete(connection);
        log.debug("connection closed", { connection_id: id });
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
      onConnection: (transport) => void this.serve(transport),
    });
  }

  closeAll(): void {
    for (const c of this.connections) c.close();
  }
}
