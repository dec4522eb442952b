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
export {
  ClientInfoSchema,
  InitializeCapabilitiesSchema,
  InitializeParamsSchema,
  InitializeResponseSchema,
} from "./initialize.js";
export type { InitializeParams, InitializeResponse } from "./initialize.js";
export { ModelListParamsSchema, ModelListResponseSchema, ModelSchema } from "./model-list.js";
export type {
  InputModality,
  Model,
  ModelListParams,
  ModelListResponse,
  ReasoningEffortOption,
} from "./model-list.js";
export { ConfigReadParamsSchema, ConfigReadResponseSchema } from "./config-read.js";
export type {
  ConfigLayer,
  ConfigLayerMetadata,
  ConfigLayerSource,
  ConfigReadParams,
  ConfigReadResponse,
} from "./config-read.js";
export {
  Base64Schema,
  EnvironmentInfoParamsSchema,
  EnvironmentInfoResponseSchema,
  ExecEnvPolicySchema,
  ExecInitializeParamsSchema,
  ExecInitializeResponseSchema,
  ExecMethod,
  ExecOutputStreamSchema,
  ProcessClosedNotificationSchema,
  ProcessExitedNotificationSchema,
  ProcessOutputNotificationSchema,
  ProcessReadParamsSchema,
  ProcessReadResponseSchema,
  ProcessSignalParamsSchema,
  ProcessSignalResponseSchema,
  ProcessStartParamsSchema,
  ProcessStartResponseSchema,
  ProcessTerminateParamsSchema,
  ProcessTerminateResponseSchema,
  ProcessWriteParamsSchema,
  ProcessWriteResponseSchema,
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
  ProcessSignalResponse,
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
} from "./v2-common.js";
export type {
  ApprovalsReviewer,
  AskForApproval,
  ReasoningSummary,
  SandboxMode,
  SandboxPolicy,
} from "./v2-common.js";
export {
  CommandExecutionRequestApprovalParamsSchema,
  CommandExecutionRequestApprovalResponseSchema,
  FileChangeRequestApprovalParamsSchema,
  FileChangeRequestApprovalResponseSchema,
  FileUpdateChangeSchema,
  SERVER_REQUESTS,
  ServerRequestResolvedSchema,
} from "./v2-approvals.js";
export type {
  CommandExecutionRequestApprovalParams,
  FileChangeRequestApprovalParams,
  ServerRequestMethod,
} from "./v2-approvals.js";
export {
  AgentMessageItemSchema,
  CodexErrorInfoSchema,
  ContextCompactionItemSchema,
  EnteredReviewModeItemSchema,
  ExitedReviewModeItemSchema,
  FileChangeItemSchema,
  ReasoningItemSchema,
  ThreadItemSchema,
  TurnErrorSchema,
  TurnSchema,
  UserMessageItemSchema,
} from "./v2-items.js";
export type {
  AgentMessageItem,
  CodexErrorInfo,
  FileChangeItem,
  ReasoningItem,
  ThreadItem,
  Turn,
  TurnError,
  TurnItemsView,
  TurnStatus,
  UserMessageItem,
} from "./v2-items.js";
export {
  ThreadForkParamsSchema,
  ThreadListParamsSchema,
  ThreadListResponseSchema,
  ThreadReadParamsSchema,
  ThreadReadResponseSchema,
  ThreadResumeParamsSchema,
  ThreadSchema,
  ThreadSessionResponseSchema,
  ThreadSourceKindSchema,
  ThreadStartParamsSchema,
  ThreadStatusSchema,
  ThreadUnsubscribeParamsSchema,
  ThreadUnsubscribeResponseSchema,
} from "./v2-thread.js";
export type {
  SessionSource,
  Thread,
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
export {
  ReviewDeliverySchema,
  ReviewStartParamsSchema,
  ReviewStartResponseSchema,
  SERVER_NOTIFICATIONS,
  ThreadCompactStartParamsSchema,
  ThreadCompactStartResponseSchema,
  TurnInterruptParamsSchema,
  TurnInterruptResponseSchema,
  TurnStartParamsSchema,
  TurnStartResponseSchema,
  TurnSteerParamsSchema,
  TurnSteerResponseSchema,
} from "./v2-turn.js";
export type {
  ReviewStartParams,
  ReviewStartResponse,
  ServerNotificationMethod,
  ServerNotificationParams,
  ThreadCompactStartParams,
  TurnInterruptParams,
  TurnStartParams,
  TurnStartResponse,
  TurnSteerParams,
  TurnSteerResponse,
} from "./v2-turn.js";
export { EXPERIMENTAL_PARAMS, experimentalFieldIn } from "./experimental.js";
export { ReviewTargetSchema, TextElementSchema, UserInputSchema } from "./user-input.js";
export type { ReviewTarget, TextElement, UserInput } from "./user-input.js";
export type {
  CompactOp,
  UserShellOp,
  ExecApprovalOp,
  InterruptOp,
  Op,
  OpKind,
  PatchApprovalOp,
  ReviewDecision,
  ReviewOp,
  ShutdownOp,
  SteerOp,
  Submission,
  TurnContextOverrides,
  TurnInputOp,
} from "./submission.js";
export {
  ThreadTokenUsageSchema,
  TokenUsageBreakdownSchema,
  emptyTokenUsage,
  threadTokenUsage,
} from "./token-usage.js";
export type { ThreadTokenUsage, ThreadTokenUsageUpdatedNotification, TokenUsage } from "./token-usage.js";
export * from "./v2-client-startup.js";
export * from "./v2-thread-store.js";
export * from "./v2-thread-shell.js";
export {
  CollaborationModeKindSchema,
  CollaborationModeSchema,
  ThreadSetNameParamsSchema,
  ThreadSetNameResponseSchema,
  ThreadSettingsSnapshotSchema,
} from "./v2-thread-settings.js";
export type { CollaborationMode, ThreadSetNameParams, ThreadSettingsSnapshot } from "./v2-thread-settings.js";
export {
  DynamicToolCallParamsSchema,
  DynamicToolCallResponseSchema,
  DynamicToolSpecSchema,
} from "./v2-dynamic-tools.js";
export type {
  DynamicFunctionSpec,
  DynamicToolCallOutputContentItem,
  DynamicToolCallParams,
  DynamicToolCallResponse,
  DynamicToolSpec,
} from "./v2-dynamic-tools.js";
export { DynamicToolCallItemSchema } from "./v2-items.js";
export type { DynamicToolCallItem } from "./v2-items.js";
