import type { IngestBatch, SpanEventRecord, SpanRecord } from "./records.js";
import { noZeroId, spanProblem } from "./otlp-records.js";

/**
 * The parts of protobufjs's decoded OTLP messages this reader uses. Unset scalar fields read as
 * their proto3 defaults (from the message prototype); a oneof's set member is named by its
 * virtual property (`value` on AnyValue).
 */
interface LongLike {
  low: number;
  high: number;
}
type U64 = LongLike | number | undefined;
interface PbAnyValue {
  value?: string;
  [field: string]: unknown;
}
interface PbKeyValue {
  key: string;
  value?: PbAnyValue | null;
}
interface PbSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  traceState: string;
  name: string;
  kind: number;
  startTimeUnixNano: U64;
  endTimeUnixNano: U64;
  attributes: PbKeyValue[];
  events: { timeUnixNano: U64; name: string; attributes: PbKeyValue[] }[];
  links: { traceId: Uint8Array; spanId: Uint8Array; attributes: PbKeyValue[] }[];
  status?: { code: number; message: string } | null;
}
interface PbTraceRequest {
  resourceSpans: {
    resource?: { attributes: PbKeyValue[] } | null;
    scopeSpans: { scope?: { name: string } | null; spans: PbSpan[] }[];
  }[];
}

const hex = (b: Uint8Array | undefined) =>
  b && b.length > 0 ? Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex") : "";

function u64(v: U64): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? BigInt(Math.trunc(v)) : undefined;
  return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
}

function anyValue(v: PbAnyValue | null | undefined): unknown {
  if (!v || !v.value) return undefined;
  const x = v[v.value];
  switch (v.value) {
    case "intValue":
      // int64 decodes to a Long (signed); as in the OTLP/JSON reader, values become numbers.
      return typeof x === "number" ? x : (x as { toNumber(): number }).toNumber();
    case "arrayValue":
      return ((x as { values: PbAnyValue[] }).values ?? []).map(anyValue);
    case "kvlistValue":
      return attributes((x as { values: PbKeyValue[] }).values);
    case "bytesValue":
      return Buffer.from(x as Uint8Array).toString("base64");
    default:
      return x;
  }
}

function attributes(list: PbKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

/**
 * Spans from a decoded OTLP protobuf `ExportTraceServiceRequest`, straight from protobufjs's
 * message objects (no JSON-shape detour: ingestion is the receiver's hot path). Validation is
 * the JSON reader's: a span with an invalid id or time is rejected alone.
 */
export function spanRecordsFromOtlpMessage(message: unknown): IngestBatch<SpanRecord> {
  const req = message as PbTraceRequest;
  const out: IngestBatch<SpanRecord> = { records: [], rejected: 0 };
  for (const rs of req.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = ss.scope?.name ?? "";
      for (const s of ss.spans ?? []) {
        const traceId = hex(s.traceId);
        const spanId = hex(s.spanId);
        const parent = hex(s.parentSpanId);
        const startNs = u64(s.startTimeUnixNano);
        const endNs = u64(s.endTimeUnixNano);
        const problem = spanProblem(s.name, traceId, spanId, parent, startNs, endNs);
        if (problem || startNs === undefined || endNs === undefined) {
          out.rejected++;
          out.rejectReason ??= problem;
          continue;
        }
        out.records.push({
          traceId,
          spanId,
          parentSpanId: noZeroId(parent),
          traceState: s.traceState ?? "",
          name: s.name ?? "",
          kind: s.kind ?? 0,
          statusCode: s.status?.code ?? 0,
          statusMessage: s.status?.message ?? "",
          startNs,
          endNs: endNs < startNs ? startNs : endNs,
          attributes: attributes(s.attributes),
          events: (s.events ?? []).map((e): SpanEventRecord => ({
            timeNs: String(u64(e.timeUnixNano) || startNs),
            name: e.name ?? "",
            attributes: attributes(e.attributes),
          })),
          links: (s.links ?? []).map((l) => ({
            traceId: hex(l.traceId),
            spanId: hex(l.spanId),
            attributes: attributes(l.attributes),
          })),
          scope,
          resource,
        });
      }
    }
  }
  return out;
}
