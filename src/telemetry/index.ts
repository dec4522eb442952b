export type { LogLevel } from "./log-level.js";
export { parseLogFilter, ALL_OFF } from "./log-filter.js";
export type { LogDirective, LogFilter } from "./log-filter.js";
export { configureLogging, logger } from "./log.js";
export type { LogFields, LogFieldValue, LogRecord, LogSink, Logger } from "./log.js";
export {
  contextFromTraceHeaders,
  contextFromW3cTraceContext,
  currentSpanTraceId,
  currentSpanW3cTraceContext,
  injectSpanW3cTraceHeaders,
  resetEnvTraceContextForTests,
  setTracestateMerger,
  spanW3cTraceContext,
  traceparentContextFromEnv,
} from "./trace-context.js";
export type { TracestateMerger } from "./trace-context.js";
export {
  TelemetryConfigError,
  getTracer,
  installContextPropagation,
  installTracing,
  traceExporterFromEnv,
  withinTimeout,
} from "./tracing-provider.js";
export type { TracingHandle, TracingOptions } from "./tracing-provider.js";
export { SPOOL_VERSION } from "./version.js";
export { otlpAttributes, otlpValue, spansFromOtlpJson, startOtlpReceiver } from "./otlp-receiver.js";
export type { OtlpReceiver, ReceivedSpan } from "./otlp-receiver.js";
