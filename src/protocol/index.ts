export {
  ErrorCode,
  JsonRpcErrorObjectSchema,
  JsonRpcErrorResponseSchema,
  JsonRpcNotificationSchema,
  JsonRpcRequestSchema,
  JsonRpcResponseSchema,
  RequestIdSchema,
  W3cTraceContextSchema,
  displayRequestId,
} from "./jsonrpc.js";
export type {
  ErrorCodeValue,
  JsonRpcErrorObject,
  JsonRpcErrorResponse,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
  RequestId,
  W3cTraceContext,
} from "./jsonrpc.js";
export { ClientInfoSchema, InitializeCapabilitiesSchema, InitializeParamsSchema } from "./initialize.js";
export type { InitializeParams, InitializeResponse } from "./initialize.js";
export { ModelListParamsSchema } from "./model-list.js";
export type {
  InputModality,
  Model,
  ModelListParams,
  ModelListResponse,
  ReasoningEffortOption,
} from "./model-list.js";
export { ConfigReadParamsSchema } from "./config-read.js";
export type {
  ConfigLayer,
  ConfigLayerMetadata,
  ConfigLayerSource,
  ConfigReadParams,
  ConfigReadResponse,
} from "./config-read.js";
export {
  Base64Schema,
  ExecEnvPolicySchema,
  ExecInitializeParamsSchema,
  ExecMethod,
  ExecOutputStreamSchema,
  ProcessClosedNotificationSchema,
  ProcessExitedNotificationSchema,
  ProcessOutputNotificationSchema,
  ProcessReadParamsSchema,
  ProcessSignalParamsSchema,
  ProcessStartParamsSchema,
  ProcessTerminateParamsSchema,
  ProcessWriteParamsSchema,
} from "./exec-server.js";
export type {
  EnvironmentInfoResponse,
  ExecEnvPolicy,
  ExecInitializeParams,
  ExecInitializeResponse,
  ExecOutputStream,
  ProcessClosedNotification,
  ProcessExitedNotification,
  ProcessOutputChunk,
  ProcessOutputNotification,
  ProcessReadParams,
  ProcessReadResponse,
  ProcessSignalParams,
  ProcessStartParams,
  ProcessStartResponse,
  ProcessTerminateParams,
  ProcessTerminateResponse,
  ProcessWriteParams,
  ProcessWriteResponse,
  WriteStatus,
} from "./exec-server.js";
