import type { HrTime } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { noZeroId } from "./otlp-records.js";
import type { SpanEventRecord, SpanRecord } from "./records.js";

const nanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

// A resource's `attributes` may be rebuilt on each read; one object per resource keeps the
// structured clone of a batch to one copy.
const resourceAttributes = new WeakMap<object, Record<string, unknown>>();
function attributesOfResource(resource: ReadableSpan["resource"]): Record<string, unknown> {
  let attrs = resourceAttributes.get(resource);
  if (!attrs) resourceAttributes.set(resource, (attrs = { ...resource.attributes }));
  return attrs;
}

/**
 * The store's records of the SDK's finished spans, for the embedded store: the same records
 * the OTLP path yields (a test holds them equal), built without encoding to protobuf and back,
 * since no wire is crossed. The values are the SDK's own (attribute values are already OTLP's
 * scalars and arrays); the result is plain data, cheap to hand to the writer thread. One
 * resource object is shared by every span of the provider, so a batch carries it once.
 */
export function spanRecordsFromReadable(spans: readonly ReadableSpan[]): SpanRecord[] {
  return spans.map((s) => {
    const ctx = s.spanContext();
    const startNs = nanos(s.startTime);
    const endNs = nanos(s.endTime);
    return {
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      parentSpanId: noZeroId(s.parentSpanContext?.spanId ?? ""),
      traceState: ctx.traceState?.serialize() ?? "",
      name: s.name,
      // OTLP's SpanKind is the API's plus one (0 is OTLP's "unspecified").
      kind: s.kind + 1,
      statusCode: s.status.code,
      statusMessage: s.status.message ?? "",
      startNs,
      endNs: endNs < startNs ? startNs : endNs,
      attributes: s.attributes,
      events: s.events.map((e): SpanEventRecord => ({
        timeNs: String(nanos(e.time)),
        name: e.name,
        attributes: e.attributes ?? {},
      })),
      links: s.links.map((l) => ({
        traceId: l.context.traceId,
        spanId: l.context.spanId,
        attributes: l.attributes ?? {},
      })),
      scope: s.instrumentationScope.name,
      resource: attributesOfResource(s.resource),
    };
  });
}
