import { createServer, type IncomingMessage, type Server } from "node:http";

/** OTLP/JSON `AnyValue` → plain JS value. */
export function otlpValue(v: Record<string, unknown> | undefined): unknown {
  if (!v) return undefined;
  if ("stringValue" in v) return v.stringValue;
  if ("boolValue" in v) return v.boolValue;
  if ("intValue" in v) return Number(v.intValue);
  if ("doubleValue" in v) return v.doubleValue;
  if ("arrayValue" in v) {
    const values = (v.arrayValue as { values?: Record<string, unknown>[] }).values ?? [];
    return values.map(otlpValue);
  }
  if ("kvlistValue" in v) {
    return otlpAttributes((v.kvlistValue as { values?: OtlpKeyValue[] }).values);
  }
  return undefined;
}

interface OtlpKeyValue {
  key: string;
  value?: Record<string, unknown>;
}

export function otlpAttributes(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = otlpValue(kv.value);
  return out;
}

/** A span as received, flattened for reading back. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty string for a root span. */
  parentSpanId: string;
  /** OTLP span flags say the parent context was remote. */
  parentIsRemote: boolean;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code?: number; message?: string };
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  resource: Record<string, unknown>;
}

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

interface OtlpJsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  flags?: number;
  name: string;
  kind: number;
  attributes?: OtlpKeyValue[];
  events?: { name: string; attributes?: OtlpKeyValue[] }[];
  status?: { code?: number; message?: string };
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
}

/** Flattens an OTLP/JSON `ExportTraceServiceRequest`. */
export function spansFromOtlpJson(body: unknown): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  const req = body as {
    resourceSpans?: {
      resource?: { attributes?: OtlpKeyValue[] };
      scopeSpans?: { spans?: OtlpJsonSpan[] }[];
    }[];
  };
  for (const rs of req.resourceSpans ?? []) {
    const resource = otlpAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const flags = s.flags ?? 0;
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? "",
          parentIsRemote: (flags & HAS_IS_REMOTE) !== 0 && (flags & IS_REMOTE) !== 0,
          name: s.name,
          kind: s.kind,
          attributes: otlpAttributes(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: otlpAttributes(e.attributes) })),
          status: s.status ?? {},
          startTimeUnixNano: String(s.startTimeUnixNano),
          endTimeUnixNano: String(s.endTimeUnixNano),
          resource,
        });
      }
    }
  }
  return out;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Raw decoded request bodies per signal path (`/v1/traces`, `/v1/logs`, `/v1/metrics`). */
  readonly bodies: Map<string, unknown[]>;
  /** Resolves once `predicate` holds over the spans received so far, or rejects after `timeoutMs`. */
  waitForSpans(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A local OTLP/HTTP receiver for OTLP/JSON exports: what `spool demo` reads its spans back from,
 * and what end-to-end tests point a spawned server at. Answers every export with 200 `{}`.
 */
export async function startOtlpReceiver(
  options: { host?: string; port?: number } = {},
): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies = new Map<string, unknown[]>();
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    readBody(req).then(
      (buf) => {
        const path = (req.url ?? "/").split("?")[0]!;
        let body: unknown;
        try {
          body = JSON.parse(buf.toString("utf8"));
        } catch {
          res.writeHead(400, { "content-type": "application/json" }).end('{"error":"expected OTLP/JSON"}');
          return;
        }
        if (!bodies.has(path)) bodies.set(path, []);
        bodies.get(path)!.push(body);
        if (path === "/v1/traces") spans.push(...spansFromOtlpJson(body));
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
        for (const w of waiters) w();
      },
      () => res.writeHead(400).end(),
    );
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    spans,
    bodies,
    waitForSpans(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(spans)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(spans);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for spans (have ${spans.length})`));
        }, timeoutMs);
        timer.unref();
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
