import { OTLP_PROTO, OTLP_REQUEST_TYPES, type OtlpSignalPath } from "./proto.js";

interface ProtoType {
  decode(buf: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): Record<string, unknown>;
}

let types: Promise<Record<OtlpSignalPath, ProtoType>> | undefined;

/**
 * protobufjs is loaded on first use: only the receivers need it (tests, `spool demo`), never
 * the exporting side, which uses the SDK's own serializers.
 */
function loadTypes(): Promise<Record<OtlpSignalPath, ProtoType>> {
  types ??= import("protobufjs").then((mod) => {
    const protobuf = mod.default;
    const root = protobuf.parse(OTLP_PROTO, { keepCase: false }).root;
    const out = {} as Record<OtlpSignalPath, ProtoType>;
    for (const [path, name] of Object.entries(OTLP_REQUEST_TYPES)) {
      out[path as OtlpSignalPath] = root.lookupType(name) as unknown as ProtoType;
    }
    return out;
  });
  return types;
}

const ID_KEYS = new Set(["traceId", "spanId", "parentSpanId"]);

/** Protobuf JSON mapping gives ids as base64; OTLP/JSON gives them as lowercase hex. */
function idsToHex(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(idsToHex);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = ID_KEYS.has(k) && typeof v === "string" ? Buffer.from(v, "base64").toString("hex") : idsToHex(v);
  }
  return out;
}

/** Decodes an OTLP protobuf export request into the OTLP/JSON object shape. */
export async function decodeOtlpProtobuf(path: OtlpSignalPath, body: Uint8Array): Promise<unknown> {
  const type = (await loadTypes())[path];
  const message = type.decode(body);
  return idsToHex(type.toObject(message, { longs: String, enums: Number, bytes: String, defaults: false }));
}

export function isOtlpSignalPath(path: string): path is OtlpSignalPath {
  return path in OTLP_REQUEST_TYPES;
}
