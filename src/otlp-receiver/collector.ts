import type { OtlpSignalPath } from "./proto.js";

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
  if ("bytesValue" in v) return v.bytesValue;
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
  traceState: string;
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

/** A log record as received. */
export interface ReceivedLog {
  scope: string;
  severityNumber: number;
  severityText: string;
  body: unknown;
  eventName: string;
  attributes: Record<string, unknown>;
  traceId: string;
  spanId: string;
  resource: Record<string, unknown>;
}

/** One data point of a received metric. */
export interface ReceivedMetricPoint {
  attributes: Record<string, unknown>;
  /** Sum/gauge value, or histogram sum. */
  value: number | undefined;
  /** Histogram count. */
  count: number | undefined;
}

export interface ReceivedMetric {
  name: string;
  unit: string;
  type: "sum" | "gauge" | "histogram" | "other";
  points: ReceivedMetricPoint[];
  resource: Record<string, unknown>;
}

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

interface OtlpJsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
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
          traceState: s.traceState ?? "",
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

interface OtlpJsonLog {
  severityNumber?: number;
  severityText?: string;
  body?: Record<string, unknown>;
  eventName?: string;
  attributes?: OtlpKeyValue[];
  traceId?: string;
  spanId?: string;
}

/** Flattens an OTLP/JSON `ExportLogsServiceRequest`. */
export function logsFromOtlpJson(body: unknown): ReceivedLog[] {
  const out: ReceivedLog[] = [];
  const req = body as {
    resourceLogs?: {
      resource?: { attributes?: OtlpKeyValue[] };
      scopeLogs?: { scope?: { name?: string }; logRecords?: OtlpJsonLog[] }[];
    }[];
  };
  for (const rl of req.resourceLogs ?? []) {
    const resource = otlpAttributes(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        out.push({
          scope: sl.scope?.name ?? "",
          severityNumber: r.severityNumber ?? 0,
          severityText: r.severityText ?? "",
          body: otlpValue(r.body),
          eventName: r.eventName ?? "",
          attributes: otlpAttributes(r.attributes),
          traceId: r.traceId ?? "",
          spanId: r.spanId ?? "",
          resource,
        });
      }
    }
  }
  return out;
}

interface OtlpJsonPoint {
  attributes?: OtlpKeyValue[];
  asInt?: string | number;
  asDouble?: number;
  count?: string | number;
  sum?: number;
}

/** Flattens an OTLP/JSON `ExportMetricsServiceRequest`. */
export function metricsFromOtlpJson(body: unknown): ReceivedMetric[] {
  const out: ReceivedMetric[] = [];
  const req = body as {
    resourceMetrics?: {
      resource?: { attributes?: OtlpKeyValue[] };
      scopeMetrics?: { metrics?: Record<string, unknown>[] }[];
    }[];
  };
  for (const rm of req.resourceMetrics ?? []) {
    const resource = otlpAttributes(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const type = (["sum", "gauge", "histogram"] as const).find((t) => t in m) ?? "other";
        const data = (type === "other" ? {} : m[type]) as { dataPoints?: OtlpJsonPoint[] };
        out.push({
          name: String(m.name),
          unit: String(m.unit ?? ""),
          type,
          points: (data.dataPoints ?? []).map((p) => ({
            attributes: otlpAttributes(p.attributes),
            value: p.asInt !== undefined ? Number(p.asInt) : p.asDouble !== undefined ? p.asDouble : p.sum,
            count: p.count !== undefined ? Number(p.count) : undefined,
          })),
          resource,
        });
      }
    }
  }
  return out;
}

/** A request as the receiver saw it (for asserting headers, content types, transports). */
export interface ReceivedRequest {
  path: OtlpSignalPath;
  contentType: string;
  headers: Record<string, string>;
}

/**
 * What a local OTLP receiver collected, shared by the HTTP and gRPC receivers: flattened spans,
 * logs and metrics, raw OTLP/JSON-shaped bodies per signal, and waiters.
 */
export class OtlpCollector {
  readonly spans: ReceivedSpan[] = [];
  readonly logs: ReceivedLog[] = [];
  readonly metrics: ReceivedMetric[] = [];
  readonly bodies = new Map<string, unknown[]>();
  readonly requests: ReceivedRequest[] = [];
  private readonly waiters = new Set<() => void>();

  ingest(request: ReceivedRequest, body: unknown): void {
    this.requests.push(request);
    if (!this.bodies.has(request.path)) this.bodies.set(request.path, []);
    this.bodies.get(request.path)!.push(body);
    if (request.path === "/v1/traces") this.spans.push(...spansFromOtlpJson(body));
    else if (request.path === "/v1/logs") this.logs.push(...logsFromOtlpJson(body));
    else this.metrics.push(...metricsFromOtlpJson(body));
    this.notify();
  }

  /** Re-checks every waiter (after anything a predicate may look at changed). */
  notify(): void {
    for (const w of this.waiters) w();
  }

  /** Resolves once `predicate` holds, or rejects after `timeoutMs` with what was received. */
  waitFor(predicate: (c: OtlpCollector) => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this)) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms (have ${this.spans.length} spans, ${this.logs.length} logs, ${this.metrics.length} metrics)`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      this.waiters.add(check);
      check();
    });
  }
}
