import { createServer, type Server } from "node:http";
import { logger } from "../telemetry/index.js";
import { createOtlpHandler, type OtlpHttpOptions, type OtlpIngestCounters } from "./otlp-http.js";
import { Retention, type RetentionSettings } from "./retention.js";
import { ObserveStore } from "./store.js";
import { createViewerHandler } from "./viewer-http.js";

const log = logger("spool_observe::server");

export interface ObserveServerOptions {
  storePath: string;
  /** Loopback address to bind; default 127.0.0.1. */
  host?: string;
  /** OTLP/HTTP port (0 = any free port); default 4318. */
  otlpPort?: number;
  /** Viewer port (0 = any free port); default 4320. */
  uiPort?: number;
  traceRoots?: readonly string[];
  retention: RetentionSettings;
  otlp?: OtlpHttpOptions;
  assetsDir?: string;
}

export interface ObserveServer {
  readonly store: ObserveStore;
  /** `http://HOST:PORT` of the OTLP/HTTP receiver (signal paths `/v1/...` below it). */
  readonly otlpUrl: string;
  /** `http://HOST:PORT/` of the viewer. */
  readonly uiUrl: string;
  readonly counters: OtlpIngestCounters;
  readonly retention: Retention;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const addr = server.address();
      resolve(typeof addr === "object" && addr ? addr.port : port);
    });
  });
}

const urlHost = (host: string) => (host.includes(":") ? `[${host}]` : host);

/**
 * `spool observe`: the OTLP/HTTP receiver and the viewer over one store, with retention running
 * in the background.
 */
export async function startObserveServer(options: ObserveServerOptions): Promise<ObserveServer> {
  const host = options.host ?? "127.0.0.1";
  const store = ObserveStore.open(options.storePath);
  const otlp = createOtlpHandler(store, options.otlp);
  const otlpServer = createServer((req, res) => {
    otlp.handle(req, res).catch((err: unknown) => {
      log.warn("OTLP request failed", { error: (err as Error).message });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const uiServer = createServer(
    createViewerHandler({
      store,
      storePath: options.storePath,
      traceRoots: options.traceRoots ?? [],
      assetsDir: options.assetsDir,
    }),
  );
  // Exporters keep connections alive between batches; do not let idle ones pile up.
  otlpServer.keepAliveTimeout = 30_000;
  const retention = new Retention(store, options.retention);
  let otlpPort: number;
  let uiPort: number;
  try {
    otlpPort = await listen(otlpServer, options.otlpPort ?? 4318, host);
    uiPort = await listen(uiServer, options.uiPort ?? 4320, host);
  } catch (err) {
    otlpServer.close();
    store.close();
    throw err;
  }
  retention.start();
  const close = async () => {
    retention.stop();
    await Promise.all(
      [otlpServer, uiServer].map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    );
    store.close();
  };
  return {
    store,
    otlpUrl: `http://${urlHost(host)}:${otlpPort}`,
    uiUrl: `http://${urlHost(host)}:${uiPort}/`,
    counters: otlp.counters,
    retention,
    close,
  };
}
