export type { LogLevel } from "./log-level.js";
export { parseLogFilter, ALL_OFF } from "./log-filter.js";
export type { FilterSpan, LogDirective, LogFilter, SpanMatcher } from "./log-filter.js";
export { configureLogging, logFilterSpecFromEnv, logFormatFromEnv, logger } from "./log.js";
export type {
  LogFields,
  LogFieldsArg,
  LogFieldValue,
  LogFormat,
  LogRecord,
  LogRecordSpan,
  LogSink,
  Logger,
} from "./log.js";
export { formatHumanLine, formatJsonLine, rfc3339Micros } from "./log-format.js";
export { logSpanStack, recordSpanFields, startSpan, withSpan } from "./span-scope.js";
export type { LogSpan, SpanOptions } from "./span-scope.js";
export {
  contextFromTraceHeaders,
  contextFromW3cTraceContext,
  currentSpanTraceId,
  currentSpanW3cTraceContext,
  injectSpanW3cTraceHeaders,
  setTracestateMerger,
  spanW3cTraceContext,
  traceparentContextFromEnv,
} from "./trace-context.js";
export type { TracestateMerger } from "./trace-context.js";
export { MetricsError, TelemetryConfigError } from "./errors.js";
export { withinTimeout } from "./timeout.js";
export { defaultOtelSettings } from "./settings.js";
export type { OtelExporterSettings, OtelSettings, OtelTlsSettings } from "./settings.js";
export { installTelemetry } from "./telemetry-provider.js";
export type { TelemetryHandle, TelemetryOptions } from "./telemetry-provider.js";
export { resolveExporter } from "./exporters.js";
export type { Signal } from "./exporters.js";
export { mergeConfiguredTracestate, validateConfiguredTracestate } from "./tracestate-config.js";
export type { ConfiguredTracestate } from "./tracestate-config.js";
export {
  LOG_ONLY_TARGET,
  TRACE_SAFE_TARGET,
  exportRoute,
  isLogExportTarget,
  isTraceSafeTarget,
} from "./targets.js";
export type { ExportRoute } from "./targets.js";
export {
  METRIC,
  MetricsClient,
  MetricsTimer,
  sanitizeMetricTagValue,
  validateMetric,
} from "./metrics-client.js";
export type { MetricTags, MetricsClientOptions } from "./metrics-client.js";
export { SessionTelemetry } from "./session-telemetry.js";
export type {
  SessionMetadata,
  SessionTelemetryOptions,
  ToolDecision,
  ToolDecisionSource,
} from "./session-telemetry.js";
export { SPOOL_VERSION } from "./version.js";
export {
  OtlpCollector,
  logsFromOtlpJson,
  metricsFromOtlpJson,
  otlpAttributes,
  otlpValue,
  spansFromOtlpJson,
  startOtlpReceiver,
} from "./otlp-receiver.js";
export type {
  OtlpFault,
  OtlpReceiver,
  OtlpReceiverOptions,
  ReceivedLog,
  ReceivedMetric,
  ReceivedMetricPoint,
  ReceivedRequest,
  ReceivedSpan,
} from "./otlp-receiver.js";
export { decodeOtlpProtobuf, decodeOtlpProtobufMessage } from "./otlp-decode.js";
export { OTLP_GRPC_METHODS } from "./otlp-proto.js";
export type { OtlpSignalPath } from "./otlp-proto.js";
