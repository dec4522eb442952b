import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { gunzipSync } from "node:zlib";
import { OtlpCollector, type ReceivedSpan } from "./collector.js";
import { decodeOtlpProtobuf, isOtlpSignalPath } from "./decode.js";

export {
  OtlpCollector,
  logsFromOtlpJson,
  metricsFromOtlpJson,
  otlpAttributes,
  otlpValue,
  spansFromOtlpJson,
} from "./collector.js";
export type {
  ReceivedLog,
  ReceivedMetric,
  ReceivedMetricPoint,
  ReceivedRequest,
  ReceivedSpan,
} from "./collector.js";

/** How the receiver answers: normally, with HTTP 500, or never (the request hangs). */
export type OtlpFault = "none" | "500" | "hang";

export interface OtlpReceiverOptions {
  host?: string;
  port?: number;
  /** Serve HTTPS; `ca` + `requestClientCert` make it mutual TLS. */
  tls?: { key: Buffer | string; cert: Buffer | string; ca?: Buffer | string; requestClientCert?: boolean };
  fault?: OtlpFault;
}

export interface OtlpReceiver extends OtlpCollector {
  /** `http://127.0.0.1:PORT` (or `https://localhost:PORT` with TLS). */
  readonly url: string;
  /** Resolves once `predicate` holds over the spans received so far, or rejects after `timeoutMs`. */
  waitForSpans(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  setFault(fault: OtlpFault): void;
  /** Requests answered with a fault so far. */
  readonly faulted: number;
  /** Resolves once at least `count` requests were answered with a fault. */
  waitForFaults(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const buf = Buffer.concat(chunks);
  return req.headers["content-encoding"] === "gzip" ? gunzipSync(buf) : buf;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") out[k] = v;
  return out;
}

/**
 * A local OTLP/HTTP receiver: what `spool demo` reads its spans back from, and what end-to-end
 * tests point exporters at. Accepts OTLP/JSON and OTLP/protobuf on `/v1/traces`, `/v1/logs` and
 * `/v1/metrics` (answering 200 with an empty export response), optionally over (mutual) TLS,
 * and can be told to fail: answer 500, or hang without answering.
 */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const collector = new OtlpCollector();
  let fault: OtlpFault = options.fault ?? "none";
  let faulted = 0;
  const hanging = new Set<ServerResponse>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0]!;
    const buf = await readBody(req);
    if (fault === "hang") {
      faulted++;
      hanging.add(res);
      collector.notify();
      return;
    }
    if (fault === "500") {
      faulted++;
      res.writeHead(500, { "content-type": "text/plain" }).end("injected failure");
      collector.notify();
      return;
    }
    if (req.method !== "POST" || !isOtlpSignalPath(path)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not an OTLP signal path");
      return;
    }
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
    let body: unknown;
    try {
      body =
        contentType === "application/x-protobuf"
          ? await decodeOtlpProtobuf(path, buf)
          : JSON.parse(buf.toString("utf8"));
    } catch (err) {
      res
        .writeHead(400, { "content-type": "text/plain" })
        .end(`cannot decode OTLP body: ${(err as Error).message}`);
      return;
    }
    collector.ingest({ path, contentType, headers: headersOf(req) }, body);
    if (contentType === "application/x-protobuf") {
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end(Buffer.alloc(0));
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    }
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(400).end();
    });
  };
  const server: Server = options.tls
    ? createHttpsServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          ...(options.tls.ca ? { ca: options.tls.ca } : {}),
          requestCert: options.tls.requestClientCert ?? false,
          rejectUnauthorized: options.tls.requestClientCert ?? false,
        },
        listener,
      )
    : createServer(listener);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const receiver = Object.assign(collector, {
    url: options.tls ? `https://localhost:${port}` : `http://${host}:${port}`,
    get faulted() {
      return faulted;
    },
    setFault(f: OtlpFault) {
      fault = f;
    },
    waitForFaults(count: number, timeoutMs = 10_000) {
      return collector.waitFor(() => faulted >= count, timeoutMs);
    },
    async waitForSpans(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs = 10_000) {
      await collector.waitFor((c) => predicate(c.spans), timeoutMs);
      return collector.spans;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return receiver as OtlpReceiver;
}
