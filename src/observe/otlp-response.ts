import protobuf from "protobufjs";

/**
 * The OTLP/HTTP answers (opentelemetry-proto collector responses and google.rpc.Status), with
 * the field numbers of opentelemetry-proto and googleapis.
 */
const RESPONSE_PROTO = `
syntax = "proto3";
package spool.otlp_response;
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportLogsPartialSuccess { int64 rejected_log_records = 1; string error_message = 2; }
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }
message ExportMetricsPartialSuccess { int64 rejected_data_points = 1; string error_message = 2; }
message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }
message Status { int32 code = 1; string message = 2; }
`;

const root = protobuf.parse(RESPONSE_PROTO, { keepCase: false }).root;

export type OtlpSignal = "traces" | "logs" | "metrics";

const RESPONSE_TYPE: Record<OtlpSignal, { type: string; rejected: string }> = {
  traces: { type: "ExportTraceServiceResponse", rejected: "rejectedSpans" },
  logs: { type: "ExportLogsServiceResponse", rejected: "rejectedLogRecords" },
  metrics: { type: "ExportMetricsServiceResponse", rejected: "rejectedDataPoints" },
};

/** google.rpc.Code values the receiver answers with. */
export const RPC_CODE = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 } as const;

/** A successful export answer; with `rejected > 0` it carries OTLP's partial success. */
export function exportResponse(
  signal: OtlpSignal,
  format: "protobuf" | "json",
  rejected: number,
  errorMessage: string,
): Buffer {
  const { type, rejected: field } = RESPONSE_TYPE[signal];
  const message =
    rejected > 0 ? { partialSuccess: { [field]: rejected, errorMessage } } : ({} as Record<string, unknown>);
  if (format === "json") {
    // OTLP/JSON encodes int64 as a decimal string.
    const json = rejected > 0 ? { partialSuccess: { [field]: String(rejected), errorMessage } } : {};
    return Buffer.from(JSON.stringify(json));
  }
  const t = root.lookupType(`spool.otlp_response.${type}`);
  return Buffer.from(t.encode(t.fromObject(message)).finish());
}

/** A `google.rpc.Status` body for an error answer, in the request's encoding. */
export function statusBody(format: "protobuf" | "json", code: number, message: string): Buffer {
  if (format === "json") return Buffer.from(JSON.stringify({ code, message }));
  const t = root.lookupType("spool.otlp_response.Status");
  return Buffer.from(t.encode(t.fromObject({ code, message })).finish());
}
