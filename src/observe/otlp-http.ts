import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { decodeOtlpProtobuf } from "../otlp-receiver/index.js";
import { logger } from "../telemetry/index.js";
import {
  MalformedOtlpError,
  logRecordsFromOtlp,
  metricPointsFromOtlp,
  spanRecordsFromOtlp,
} from "./otlp-records.js";
import { RPC_CODE, exportResponse, statusBody, type OtlpSignal } from "./otlp-response.js";
import type { ObserveStore } from "./store.js";

const log = logger("spool_observe::otlp");
const gunzipAsync = promisify(gunzip);

const PATHS: Record<string, OtlpSignal> = {
  "/v1/traces": "traces",
  "/v1/logs": "logs",
  "/v1/metrics": "metrics",
};

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_DECODED_BYTES = 64 * 1024 * 1024;

export interface OtlpHttpOptions {
  /** Largest request body accepted, as sent (compressed); default 16 MiB. */
  maxBodyBytes?: number;
  /** Largest body after gunzip; default 64 MiB. */
  maxDecodedBytes?: number;
}

/** What the receiver has taken in so far. */
export interface OtlpIngestCounters {
  requests: number;
  spans: number;
  logs: number;
  metricPoints: number;
  rejected: number;
  refusedRequests: number;
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > max) {
    throw new HttpRefusal(
      413,
      RPC_CODE.RESOURCE_EXHAUSTED,
      `request body of ${declared} bytes exceeds ${max}`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max)
      throw new HttpRefusal(413, RPC_CODE.RESOURCE_EXHAUSTED, `request body exceeds ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function decodeBody(
  req: IncomingMessage,
  path: string,
  format: "protobuf" | "json",
  options: Required<OtlpHttpOptions>,
): Promise<unknown> {
  let body = await readBody(req, options.maxBodyBytes);
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
  if (encoding === "gzip") {
    try {
      body = await gunzipAsync(body, { maxOutputLength: options.maxDecodedBytes });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ERR_BUFFER_TOO_LARGE" || /Cannot create a Buffer larger/.test((err as Error).message)) {
        throw new HttpRefusal(
          413,
          RPC_CODE.RESOURCE_EXHAUSTED,
          `decompressed body exceeds ${options.maxDecodedBytes} bytes`,
        );
      }
      throw new HttpRefusal(400, RPC_CODE.INVALID_ARGUMENT, `invalid gzip body: ${(err as Error).message}`);
    }
  } else if (encoding !== "identity") {
    throw new HttpRefusal(
      415,
      RPC_CODE.INVALID_ARGUMENT,
      `unsupported content-encoding ${JSON.stringify(encoding)}`,
    );
  }
  try {
    return format === "protobuf"
      ? await decodeOtlpProtobuf(path as "/v1/traces", body)
      : (JSON.parse(body.toString("utf8")) as unknown);
  } catch (err) {
    throw new HttpRefusal(
      400,
      RPC_CODE.INVALID_ARGUMENT,
      `cannot decode OTLP ${format} body: ${(err as Error).message}`,
    );
  }
}

function ingest(store: ObserveStore, signal: OtlpSignal, body: unknown, counters: OtlpIngestCounters) {
  try {
    if (signal === "traces") {
      const batch = spanRecordsFromOtlp(body);
      const written = store.insertSpans(batch.records);
      counters.spans += written.spans;
      return batch;
    }
    if (signal === "logs") {
      const batch = logRecordsFromOtlp(body);
      counters.logs += store.insertLogs(batch.records);
      return batch;
    }
    const batch = metricPointsFromOtlp(body);
    counters.metricPoints += store.insertMetricPoints(batch.records);
    return batch;
  } catch (err) {
    if (err instanceof MalformedOtlpError) {
      throw new HttpRefusal(
        400,
        RPC_CODE.INVALID_ARGUMENT,
        `malformed OTLP ${signal} request: ${err.message}`,
      );
    }
    log.warn("observe store write failed; the exporter will retry", { error: (err as Error).message });
    throw new HttpRefusal(503, RPC_CODE.UNAVAILABLE, "store unavailable");
  }
}

/**
 * The OTLP/HTTP receiver (spec: opentelemetry-proto `docs/specification.md`, OTLP/HTTP):
 * `POST /v1/traces|logs|metrics` with `application/x-protobuf` or `application/json`, optionally
 * gzip-encoded. Answers 200 (with `partial_success` when items were refused), 400 for a body
 * that is not an export request, 413 when too large, 415 for another content type or encoding,
 * 405/404 for other methods and paths, 503 (retryable) when the store cannot write. Error
 * answers carry a `google.rpc.Status` in the request's encoding. Nothing from a refused request
 * is stored.
 */
export function createOtlpHandler(
  store: ObserveStore,
  options: OtlpHttpOptions = {},
): { handle(req: IncomingMessage, res: ServerResponse): Promise<void>; counters: OtlpIngestCounters } {
  const opts: Required<OtlpHttpOptions> = {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxDecodedBytes: options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES,
  };
  const counters: OtlpIngestCounters = {
    requests: 0,
    spans: 0,
    logs: 0,
    metricPoints: 0,
    rejected: 0,
    refusedRequests: 0,
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0]!;
    const signal = PATHS[path];
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const format = contentType === "application/json" ? "json" : "protobuf";
    const send = (status: number, body: Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        "content-type": format === "json" ? "application/json" : "application/x-protobuf",
        ...headers,
      });
      res.end(body);
    };
    counters.requests++;
    try {
      if (!signal) throw new HttpRefusal(404, RPC_CODE.INVALID_ARGUMENT, `not an OTLP signal path: ${path}`);
      if (req.method !== "POST")
        throw new HttpRefusal(405, RPC_CODE.INVALID_ARGUMENT, "OTLP/HTTP takes POST");
      if (contentType !== "application/json" && contentType !== "application/x-protobuf") {
        throw new HttpRefusal(
          415,
          RPC_CODE.INVALID_ARGUMENT,
          `unsupported content-type ${JSON.stringify(contentType)}; use application/x-protobuf or application/json`,
        );
      }
      const body = await decodeBody(req, path, format, opts);
      const batch = ingest(store, signal, body, counters);
      counters.rejected += batch.rejected;
      send(200, exportResponse(signal, format, batch.rejected, batch.rejectReason ?? ""));
    } catch (err) {
      counters.refusedRequests++;
      const refusal =
        err instanceof HttpRefusal
          ? err
          : new HttpRefusal(400, RPC_CODE.INVALID_ARGUMENT, (err as Error).message);
      const headers: Record<string, string> =
        refusal.status === 405 ? { allow: "POST" } : refusal.status === 503 ? { "retry-after": "1" } : {};
      // The rest of an oversize body is not read: close the connection instead.
      if (refusal.status === 413) headers.connection = "close";
      send(refusal.status, statusBody(format, refusal.code, refusal.message), headers);
      if (refusal.status === 413) req.resume();
    }
  };
  return { handle, counters };
}
