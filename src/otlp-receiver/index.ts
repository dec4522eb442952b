// An OTLP receiver and collector: what the demo and the tests read exported telemetry back with.
// Not part of telemetry's face: production code exports, it never receives.
export { OtlpCollector, startOtlpReceiver } from "./receiver.js";
export type {
  OtlpFault,
  OtlpReceiver,
  OtlpReceiverOptions,
  ReceivedLog,
  ReceivedMetric,
  ReceivedMetricPoint,
  ReceivedRequest,
  ReceivedSpan,
} from "./receiver.js";
export { decodeOtlpProtobuf } from "./decode.js";
export { otlpAttributes, otlpValue } from "./collector.js";
export { OTLP_GRPC_METHODS } from "./proto.js";
export type { OtlpSignalPath } from "./proto.js";
