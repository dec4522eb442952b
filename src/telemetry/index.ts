export type { LogLevel } from "./log-level.js";
export type { LogFilter } from "./log-filter.js";
export { SEVERITY as LOG_SEVERITY, addLogTap, configureLogging, logger } from "./log.js";
export type {
  LogFields,
  LogFieldsArg,
  LogFieldValue,
  LogFormat,
  LogRecord,
  LogRecordSpan,
  LogSink,
  LogTap,
  Logger,
  TappedLogRecord,
} from "./log.js";
export { formatJsonLine } from "./log-format.js";
export { recordSpanFields, startSpan, withSpan } from "./span-scope.js";
export type { LogSpan, SpanOptions } from "./span-scope.js";
export {
  contextFromW3cTraceContext,
  currentSpanTraceId,
  currentSpanW3cTraceContext,
  injectSpanW3cTraceHeaders,
  spanW3cTraceContext,
  traceparentContextFromEnv,
} from "./trace-context.js";
export { MetricsError, TelemetryConfigError } from "./errors.js";
export { withinTimeout } from "./timeout.js";
export { defaultOtelSettings } from "./settings.js";
export type { OtelExporterSettings, OtelSettings, OtelTlsSettings } from "./settings.js";
export { installTelemetry } from "./telemetry-provider.js";
export type { TelemetryHandle, TelemetryOptions } from "./telemetry-provider.js";
export { resolveExporter } from "./exporters.js";
export type { Signal } from "./exporters.js";
export { LOG_ONLY_TARGET, TRACE_SAFE_TARGET } from "./targets.js";
export { METRIC, MetricsClient, MetricsTimer } from "./metrics-client.js";
export type { MetricTags, MetricsClientOptions } from "./metrics-client.js";
export { SessionTelemetry } from "./session-telemetry.js";
export type {
  SessionTelemetryMetadata,
  SessionTelemetryOptions,
  ToolDecision,
  ToolDecisionSource,
} from "./session-telemetry.js";
export { SPOOL_VERSION } from "./version.js";
// OpenTelemetry GenAI semantic conventions (beside the codex.* names).
export {
  GenAiSpanNameProcessor,
  agentSpanAttributes,
  genAiSpanName,
  toolSpanAttributes,
} from "./genai-attributes.js";
export type { AgentSpanInput, GenAiToolType, ToolSpanInput } from "./genai-attributes.js";
export {
  GENAI_METRICS,
  genAiProviderName,
  inferenceRequestAttributes,
  inferenceResultAttributes,
  recordInferenceMetrics,
} from "./genai-inference.js";
export type {
  GenAiMetricsSink,
  InferenceRecord,
  InferenceRequest,
  InferenceResult,
  InferenceUsage,
} from "./genai-inference.js";
export { INFERENCE_DETAILS_EVENT, inferenceDetailsFields } from "./genai-content.js";
export type { GenAiMessage, GenAiOutputMessage, GenAiPart, InferenceContent } from "./genai-content.js";
export type { HistogramInstrument } from "./metrics-client.js";
