export { ModelClient } from "./client.js";
export type { ModelClientOptions, StreamOptions } from "./client.js";
export { ResponseStream } from "./response-stream.js";
export type { ModelStreamEvent, ModelTransport, RetryNotice, StreamOutcome } from "./response-stream.js";
export type { PrewarmResolution, PrewarmStatus } from "./prewarm.js";
export {
  HttpStatusError,
  IdleTimeoutError,
  MissingApiKeyError,
  ModelClientError,
  ResponseFailedError,
  StreamDroppedError,
  WebSocketConnectError,
} from "./errors.js";
export { MalformedEventError, parseServerEvent } from "./wire-events.js";
export type { ResponseItem, ResponsesEventType, ResponsesStreamEvent } from "./wire-events.js";
export { functionCallOutput, userMessage } from "./request.js";
export type {
  ContentPart,
  FunctionToolSpec,
  ReasoningSettings,
  ResponseInputItem,
  ResponsesRequest,
  ResponsesRequestBody,
  ToolSpec,
} from "./request.js";
export { MODEL_METRICS, metricsOnlyModelTelemetry, noopModelTelemetry } from "./telemetry.js";
export type {
  ApiRequestEvent,
  MetricTags,
  ModelClientTelemetry,
  ModelMetricsSink,
  SseEventEvent,
  WebsocketEventEvent,
  WebsocketRequestEvent,
} from "./telemetry.js";
export type { ModelProvider } from "../config/index.js";
export { sessionModelTelemetry } from "./session-telemetry-adapter.js";
