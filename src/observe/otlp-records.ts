import { z } from "zod";
import { otlpAttributes, otlpValue } from "../otlp-receiver/index.js";
import type { IngestBatch, LogRecordRow, MetricPointRecord, SpanEventRecord, SpanRecord } from "./records.js";

/**
 * The OTLP/JSON shape of the three export requests (protobuf bodies are decoded into the same
 * shape first). Objects are loose: fields Spool does not read are allowed, as OTLP requires.
 * A body that does not have this shape is malformed and refused whole (HTTP 400); an item that
 * has the shape but invalid content (a bad id) is refused alone (partial success).
 */
const AnyValueShape = z.record(z.string(), z.unknown());
const KeyValueShape = z.looseObject({ key: z.string(), value: AnyValueShape.optional() });
const AttributesShape = z.array(KeyValueShape).optional();
const Int64Shape = z.union([z.string(), z.number()]).optional();
const ResourceShape = z.looseObject({ attributes: AttributesShape }).optional();
const ScopeShape = z.looseObject({ name: z.string().optional() }).optional();

const SpanShape = z.looseObject({
  traceId: z.string().optional(),
  spanId: z.string().optional(),
  parentSpanId: z.string().optional(),
  traceState: z.string().optional(),
  name: z.string().optional(),
  kind: z.union([z.number(), z.string()]).optional(),
  startTimeUnixNano: Int64Shape,
  endTimeUnixNano: Int64Shape,
  attributes: AttributesShape,
  events: z
    .array(
      z.looseObject({ timeUnixNano: Int64Shape, name: z.string().optional(), attributes: AttributesShape }),
    )
    .optional(),
  links: z
    .array(
      z.looseObject({
        traceId: z.string().optional(),
        spanId: z.string().optional(),
        attributes: AttributesShape,
      }),
    )
    .optional(),
  status: z
    .looseObject({ code: z.union([z.number(), z.string()]).optional(), message: z.string().optional() })
    .optional(),
});

export const TraceRequestShape = z.looseObject({
  resourceSpans: z
    .array(
      z.looseObject({
        resource: ResourceShape,
        scopeSpans: z
          .array(z.looseObject({ scope: ScopeShape, spans: z.array(SpanShape).optional() }))
          .optional(),
      }),
    )
    .optional(),
});

const LogShape = z.looseObject({
  timeUnixNano: Int64Shape,
  observedTimeUnixNano: Int64Shape,
  severityNumber: z.union([z.number(), z.string()]).optional(),
  severityText: z.string().optional(),
  eventName: z.string().optional(),
  body: AnyValueShape.optional(),
  attributes: AttributesShape,
  traceId: z.string().optional(),
  spanId: z.string().optional(),
});

export const LogsRequestShape = z.looseObject({
  resourceLogs: z
    .array(
      z.looseObject({
        resource: ResourceShape,
        scopeLogs: z
          .array(z.looseObject({ scope: ScopeShape, logRecords: z.array(LogShape).optional() }))
          .optional(),
      }),
    )
    .optional(),
});

const PointShape = z.looseObject({
  attributes: AttributesShape,
  timeUnixNano: Int64Shape,
  asInt: Int64Shape,
  asDouble: z.union([z.number(), z.string()]).optional(),
  count: Int64Shape,
  sum: z.union([z.number(), z.string()]).optional(),
});
const PointsShape = z.looseObject({ dataPoints: z.array(PointShape).optional() }).optional();

export const MetricsRequestShape = z.looseObject({
  resourceMetrics: z
    .array(
      z.looseObject({
        resource: ResourceShape,
        scopeMetrics: z
          .array(
            z.looseObject({
              scope: ScopeShape,
              metrics: z
                .array(
                  z.looseObject({
                    name: z.string().optional(),
                    unit: z.string().optional(),
                    sum: PointsShape,
                    gauge: PointsShape,
                    histogram: PointsShape,
                  }),
                )
                .optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

/** A body that is not an OTLP export request of its signal. */
export class MalformedOtlpError extends Error {
  override readonly name = "MalformedOtlpError";
}

function parseShape<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MalformedOtlpError(`${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  return parsed.data;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO = /^0+$/;
const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

function nanos(v: string | number | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? BigInt(Math.trunc(v)) : undefined;
  return /^\d{1,20}$/.test(v) ? BigInt(v) : undefined;
}

function enumValue(v: number | string | undefined, names: Record<string, number>): number {
  if (typeof v === "number") return v;
  if (v === undefined) return 0;
  return names[v] ?? (Number.isInteger(Number(v)) ? Number(v) : 0);
}

function validId(id: string | undefined, re: RegExp): id is string {
  return id !== undefined && re.test(id) && !ZERO.test(id);
}

type SpanInput = z.infer<typeof SpanShape>;

/** Why a span is refused, or undefined when it is storable. */
function spanProblem(s: SpanInput): string | undefined {
  const traceId = s.traceId?.toLowerCase();
  const spanId = s.spanId?.toLowerCase();
  if (!validId(traceId, TRACE_ID)) return `span ${JSON.stringify(s.name ?? "")}: invalid trace id`;
  if (!validId(spanId, SPAN_ID)) return `span ${JSON.stringify(s.name ?? "")}: invalid span id`;
  const parent = s.parentSpanId?.toLowerCase() ?? "";
  if (parent !== "" && !SPAN_ID.test(parent))
    return `span ${JSON.stringify(s.name ?? "")}: invalid parent span id`;
  if (nanos(s.startTimeUnixNano) === undefined)
    return `span ${JSON.stringify(s.name ?? "")}: invalid start time`;
  if (nanos(s.endTimeUnixNano) === undefined) return `span ${JSON.stringify(s.name ?? "")}: invalid end time`;
  return undefined;
}

/**
 * Flattens and validates an OTLP/JSON `ExportTraceServiceRequest`. Throws `MalformedOtlpError`
 * when the body is not one; spans with invalid ids or times are counted as rejected.
 */
export function spanRecordsFromOtlp(body: unknown): IngestBatch<SpanRecord> {
  const req = parseShape(TraceRequestShape, body);
  const out: IngestBatch<SpanRecord> = { records: [], rejected: 0 };
  for (const rs of req.resourceSpans ?? []) {
    const resource = otlpAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = ss.scope?.name ?? "";
      for (const s of ss.spans ?? []) {
        const problem = spanProblem(s);
        if (problem) {
          out.rejected++;
          out.rejectReason ??= problem;
          continue;
        }
        const startNs = nanos(s.startTimeUnixNano)!;
        const endNs = nanos(s.endTimeUnixNano)!;
        const parent = s.parentSpanId?.toLowerCase() ?? "";
        out.records.push({
          traceId: s.traceId!.toLowerCase(),
          spanId: s.spanId!.toLowerCase(),
          parentSpanId: ZERO.test(parent) ? "" : parent,
          traceState: s.traceState ?? "",
          name: s.name ?? "",
          kind: enumValue(s.kind, SPAN_KINDS),
          statusCode: enumValue(s.status?.code, STATUS_CODES),
          statusMessage: s.status?.message ?? "",
          startNs,
          endNs: endNs < startNs ? startNs : endNs,
          attributes: otlpAttributes(s.attributes),
          events: (s.events ?? []).map((e): SpanEventRecord => ({
            timeNs: String(nanos(e.timeUnixNano) ?? startNs),
            name: e.name ?? "",
            attributes: otlpAttributes(e.attributes),
          })),
          links: (s.links ?? []).map((l) => ({
            traceId: l.traceId?.toLowerCase() ?? "",
            spanId: l.spanId?.toLowerCase() ?? "",
            attributes: otlpAttributes(l.attributes),
          })),
          scope,
          resource,
        });
      }
    }
  }
  return out;
}

/** The event families the store keeps: Codex's `codex.*` and Spool's `spool_*`/`spool.*`. */
export function isStoredLogFamily(eventName: string, scope: string): boolean {
  return /^(codex[._]|spool[._])/.test(eventName) || /^(codex|spool)/.test(scope);
}

/**
 * Flattens and validates an OTLP/JSON `ExportLogsServiceRequest`. Records outside the stored
 * families are accepted and not kept; records with a malformed trace or span id are rejected.
 */
export function logRecordsFromOtlp(body: unknown): IngestBatch<LogRecordRow> & { ignored: number } {
  const req = parseShape(LogsRequestShape, body);
  const out: IngestBatch<LogRecordRow> & { ignored: number } = { records: [], rejected: 0, ignored: 0 };
  for (const rl of req.resourceLogs ?? []) {
    const resource = otlpAttributes(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      const scope = sl.scope?.name ?? "";
      for (const r of sl.logRecords ?? []) {
        const traceId = r.traceId?.toLowerCase() ?? "";
        const spanId = r.spanId?.toLowerCase() ?? "";
        if ((traceId !== "" && !TRACE_ID.test(traceId)) || (spanId !== "" && !SPAN_ID.test(spanId))) {
          out.rejected++;
          out.rejectReason ??= "log record: invalid trace or span id";
          continue;
        }
        const attributes = otlpAttributes(r.attributes);
        const eventName =
          r.eventName || (typeof attributes["event.name"] === "string" ? attributes["event.name"] : "");
        if (!isStoredLogFamily(eventName, scope)) {
          out.ignored++;
          continue;
        }
        out.records.push({
          timeNs: nanos(r.timeUnixNano) || nanos(r.observedTimeUnixNano) || 0n,
          severityNumber: enumValue(r.severityNumber, {}),
          severityText: r.severityText ?? "",
          eventName,
          body: otlpValue(r.body),
          attributes,
          traceId: ZERO.test(traceId) ? "" : traceId,
          spanId: ZERO.test(spanId) ? "" : spanId,
          scope,
          resource,
        });
      }
    }
  }
  return out;
}

function num(v: string | number | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Flattens an OTLP/JSON `ExportMetricsServiceRequest` into data points. */
export function metricPointsFromOtlp(body: unknown): IngestBatch<MetricPointRecord> {
  const req = parseShape(MetricsRequestShape, body);
  const out: IngestBatch<MetricPointRecord> = { records: [], rejected: 0 };
  for (const rm of req.resourceMetrics ?? []) {
    const resource = otlpAttributes(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const type = (["sum", "gauge", "histogram"] as const).find((t) => m[t] !== undefined) ?? "other";
        const points = type === "other" ? [] : (m[type]?.dataPoints ?? []);
        for (const p of points) {
          out.records.push({
            name: m.name ?? "",
            unit: m.unit ?? "",
            type,
            attributes: otlpAttributes(p.attributes),
            value: type === "histogram" ? num(p.sum) : (num(p.asInt) ?? num(p.asDouble)),
            count: type === "histogram" ? num(p.count) : null,
            timeNs: nanos(p.timeUnixNano) ?? 0n,
            resource,
          });
        }
      }
    }
  }
  return out;
}
