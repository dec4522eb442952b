export { ModelClient } from "./client.js";
export type { ModelClientOptions, StreamOptions } from "./client.js";
export { ResponseStream, tokenUsageFromWire } from "./response-stream.js";
export type {
  ModelStreamEvent,
  ModelTransport,
  RetryNotice,
  StreamOutcome,
  TokenUsage,
} from "./response-stream.js";
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
export { MalformedEventError, isTerminalEvent, parseServerEvent } from "./wire-events.js";
export type { ResponseItem, ResponsesEventType, ResponsesStreamEvent } from "./wire-events.js";
export { buildRequestBody, buildWebSocketCreate, functionCallOutput, userMessage } from "./request.js";
export type {
  ContentPart,
  FunctionToolSpec,
  ReasoningSettings,
  ResponseInputItem,
  ResponsesRequest,
  ResponsesRequestBody,
  ToolSpec,
} from "./request.js";
export { backoffMs, retryAfterMs } from "./backoff.js";
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
export { startScriptedModelServer } from "./scripted-server.js";
export type { ScriptedModelServer, ScriptedModelServerOptions } from "./scripted-server.js";
export { ModelScriptSchema, ScriptError, loadModelScript, parseModelScript } from "./script.js";
export type { ModelScript, ModelScriptInput, ScriptFault, ScriptOutput, ScriptResponse } from "./script.js";
export { renderResponse } from "./script-render.js";
export type { RequestLogEntry } from "./request-log.js";
export { scriptedModelProvider } from "./scripted-provider.js";
export type { ModelProvider } from "../config/index.js";
export { sessionModelTelemetry } from "./session-telemetry-adapter.js";
