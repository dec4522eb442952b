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
export { TraceReduceError } from "./errors.js";
export type { TraceErrorLocation } from "./errors.js";
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
export { reduceBundle, stateJson } from "./reducer/reduce-bundle.js";
export type { ReduceOptions, ReduceResult } from "./reducer/reduce-bundle.js";
export { directoryPayloadSource } from "./reducer/payload-source.js";
export type {
  PayloadBody,
  PayloadSource,
  PayloadSourceEnd,
  PayloadSourceFactory,
  PayloadUse,
} from "./reducer/payload-source.js";
export type { ReducedState } from "./reducer/graph.js";
export { writeStateFile } from "./reducer/state-file.js";
export { summarizeReduction } from "./reducer/summary.js";
