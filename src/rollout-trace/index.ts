export {
  CodeCellRuntimeStatusSchema,
  ExecutionStatusSchema,
  ManifestSchema,
  RAW_PAYLOAD_KINDS,
  RawPayloadKindSchema,
  RawPayloadRefSchema,
  RawToolCallRequesterSchema,
  RawTraceEventPayloadSchema,
  RawTraceEventSchema,
  RolloutStatusSchema,
  TRACE_SCHEMA_VERSION,
  ToolCallKindSchema,
  ToolCallSummarySchema,
  payloadRefsOf,
} from "./schema.js";
export type {
  CodeCellRuntimeStatus,
  ExecutionStatus,
  Manifest,
  RawPayloadKind,
  RawPayloadKindName,
  RawPayloadOf,
  RawPayloadRef,
  RawToolCallRequester,
  RawTraceEvent,
  RawTraceEventPayload,
  RawTraceEventType,
  RolloutStatus,
  ToolCallKind,
  ToolCallSummary,
} from "./schema.js";
export {
  AgentOriginSchema,
  AgentThreadSchema,
  CodeCellSchema,
  CodexTurnSchema,
  CompactionRequestSchema,
  CompactionSchema,
  ConversationItemSchema,
  ConversationPartSchema,
  ExecutionWindowSchema,
  InferenceCallSchema,
  InteractionEdgeSchema,
  ProducerRefSchema,
  RolloutTraceSchema,
  TerminalOperationSchema,
  TerminalSessionSchema,
  ToolCallSchema,
} from "./state-schema.js";
export type {
  AgentThread,
  CodeCell,
  CodexTurn,
  Compaction,
  CompactionRequest,
  ConversationItem,
  ConversationPart,
  ExecutionWindow,
  InferenceCall,
  InteractionEdge,
  RolloutTraceState,
  TerminalOperation,
  TerminalSession,
  ToolCall,
} from "./state-schema.js";
export { BundleWriter } from "./writer.js";
export type { BundleWriterOptions } from "./writer.js";
export { startRolloutRecorder } from "./recorder.js";
export type { RolloutRecorderOptions } from "./recorder.js";
export { DISABLED_RECORDER } from "./recorder-noop.js";
export type {
  AgentResult,
  CodeCellRecorder,
  CodeCellStart,
  CompactionRecorder,
  CompactionRequestRecorder,
  InferenceCancellation,
  InferenceCompletion,
  InferenceFailure,
  InferenceRecorder,
  InferenceStart,
  Lazy,
  RolloutRecorder,
  SessionMetadataPayload,
  TerminalEnd,
  TerminalStart,
  ThreadRecorder,
  ThreadStart,
  ToolCallRecorder,
  ToolCallStart,
  ToolInvocationBody,
  ToolResultBody,
  TurnRecorder,
} from "./recorder-types.js";
export { toolCallKindOf } from "./tool-kind.js";
export { ROLLOUT_TRACE_ROOT_ENV_VARS, resolveRolloutTraceRoot, rolloutTraceRootFromEnv } from "./env.js";
export {
  TraceReduceError,
  directoryPayloadSource,
  formatSummary,
  reduceBundle,
  stateJson,
  summarizeReduction,
  writeStateFile,
} from "./reducer/index.js";
export type {
  AttentionEntry,
  PayloadBody,
  PayloadSource,
  PayloadSourceEnd,
  PayloadSourceFactory,
  PayloadUse,
  ReduceOptions,
  ReduceResult,
  ReducedState,
  ReductionSummary,
  StatusCounts,
  TraceErrorLocation,
} from "./reducer/index.js";
export { convertBundle } from "./convert.js";
export type { ConvertResult } from "./convert.js";
export type { RecordingStatus } from "./reducer/graph.js";
export {
  TRACE_SCHEMA_VERSIONS,
  RawPayloadRefV3Schema,
  RawTraceEventV3Schema,
  PayloadCaptureSchema,
} from "./schema.js";
export type { AnyPayloadRef, PayloadCapture, RawPayloadRefV3, TraceSchemaVersion } from "./schema.js";
