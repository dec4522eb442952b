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
export {
  ApprovalsReviewerSchema,
  AskForApprovalSchema,
  PersonalitySchema,
  ReasoningSummarySchema,
  SandboxModeSchema,
  SandboxPolicySchema,
  UserInputSchema,
} from "./v2-common.js";
export type {
  ApprovalsReviewer,
  AskForApproval,
  ReasoningSummary,
  SandboxMode,
  SandboxPolicy,
  ThreadTokenUsage,
  TokenUsageBreakdown,
  UserInput,
} from "./v2-common.js";
export type { CodexErrorInfo, ThreadItem, Turn, TurnError, TurnItemsView, TurnStatus } from "./v2-items.js";
export {
  ThreadForkParamsSchema,
  ThreadListParamsSchema,
  ThreadReadParamsSchema,
  ThreadResumeParamsSchema,
  ThreadSourceKindSchema,
  ThreadStartParamsSchema,
  ThreadUnsubscribeParamsSchema,
} from "./v2-thread.js";
export type {
  GitInfo,
  SessionSource,
  Thread,
  ThreadActiveFlag,
  ThreadForkParams,
  ThreadListParams,
  ThreadListResponse,
  ThreadReadParams,
  ThreadResumeParams,
  ThreadSessionResponse,
  ThreadSourceKind,
  ThreadStartParams,
  ThreadStatus,
  ThreadUnsubscribeParams,
  ThreadUnsubscribeStatus,
} from "./v2-thread.js";
export { TurnInterruptParamsSchema, TurnStartParamsSchema, TurnSteerParamsSchema } from "./v2-turn.js";
export type {
  ServerNotificationMethod,
  ServerNotificationParams,
  TurnInterruptParams,
  TurnStartParams,
  TurnStartResponse,
  TurnSteerParams,
  TurnSteerResponse,
} from "./v2-turn.js";
export { EXPERIMENTAL_PARAMS, experimentalFieldIn } from "./experimental.js";
export type { Op, OpKind, Submission, TurnOverrides } from "./submission.js";
