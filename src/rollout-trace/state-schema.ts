import { z } from "zod";
import {
  CodeCellRuntimeStatusSchema,
  ExecutionStatusSchema,
  RawPayloadRefSchema,
  RawPayloadRefV3Schema,
  RolloutStatusSchema,
  ToolCallKindSchema,
  ToolCallSummarySchema,
} from "./schema.js";

/**
 * The reduced model written to `state.json` (spec §8). Object keys are declared in output order;
 * the reducer builds objects in the same order and the serializer keeps insertion order.
 * These schemas are strict: `state.json` is our own output, so an unexpected key is a bug.
 */

const str = z.string();
const nullableStr = z.string().nullable();
const int = z.number().int();
const strs = z.array(str);

export const ExecutionWindowSchema = z.strictObject({
  started_at_unix_ms: int,
  started_seq: int,
  ended_at_unix_ms: int.nullable(),
  ended_seq: int.nullable(),
  status: ExecutionStatusSchema,
});
export type ExecutionWindow = z.infer<typeof ExecutionWindowSchema>;

export const AgentOriginSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("root") }),
  z.strictObject({
    type: z.literal("spawned"),
    parent_thread_id: str,
    spawn_edge_id: str,
    task_name: str,
    agent_role: str,
  }),
]);
export type AgentOrigin = z.infer<typeof AgentOriginSchema>;

export const AgentThreadSchema = z.strictObject({
  thread_id: str,
  agent_path: str,
  nickname: nullableStr,
  origin: AgentOriginSchema,
  execution: ExecutionWindowSchema,
  default_model: nullableStr,
  conversation_item_ids: strs,
});
export type AgentThread = z.infer<typeof AgentThreadSchema>;

export const CodexTurnSchema = z.strictObject({
  codex_turn_id: str,
  thread_id: str,
  execution: ExecutionWindowSchema,
  input_item_ids: strs,
});
export type CodexTurn = z.infer<typeof CodexTurnSchema>;

export const ConversationRoleSchema = z.enum(["system", "developer", "user", "assistant", "tool"]);
export type ConversationRole = z.infer<typeof ConversationRoleSchema>;
export const ConversationChannelSchema = z.enum(["analysis", "commentary", "final", "summary"]);
export type ConversationChannel = z.infer<typeof ConversationChannelSchema>;
export const ConversationItemKindSchema = z.enum([
  "message",
  "reasoning",
  "function_call",
  "function_call_output",
  "custom_tool_call",
  "custom_tool_call_output",
  "compaction_marker",
]);
export type ConversationItemKind = z.infer<typeof ConversationItemKindSchema>;

export const ConversationPartSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text"), text: str }),
  z.strictObject({ type: z.literal("summary"), text: str }),
  z.strictObject({ type: z.literal("encoded"), label: str, value: str }),
  z.strictObject({ type: z.literal("json"), summary: str, raw_payload_id: str }),
  z.strictObject({ type: z.literal("code"), language: str, source: str }),
  z.strictObject({
    type: z.literal("payload_ref"),
    label: str,
    raw_payload_id: str,
    content_sha256: str.optional(),
  }),
]);
export type ConversationPart = z.infer<typeof ConversationPartSchema>;

export const ProducerRefSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("user_input") }),
  z.strictObject({ type: z.literal("inference"), inference_call_id: str }),
  z.strictObject({ type: z.literal("tool"), tool_call_id: str }),
  z.strictObject({ type: z.literal("code_cell"), code_cell_id: str }),
  z.strictObject({ type: z.literal("interaction_edge"), edge_id: str }),
  z.strictObject({ type: z.literal("compaction"), compaction_id: str }),
  z.strictObject({ type: z.literal("harness") }),
]);
export type ProducerRef = z.infer<typeof ProducerRefSchema>;

export const ConversationItemSchema = z.strictObject({
  item_id: str,
  responses_item_id: str.optional(),
  accepted_at_unix_ms: int.optional(),
  accepted_seq: int.optional(),
  thread_id: str,
  codex_turn_id: nullableStr,
  first_seen_at_unix_ms: int,
  role: ConversationRoleSchema,
  channel: ConversationChannelSchema.nullable(),
  kind: ConversationItemKindSchema,
  agent_message: z.strictObject({ author: str, recipient: str }).optional(),
  body: z.strictObject({ parts: z.array(ConversationPartSchema) }),
  call_id: nullableStr,
  produced_by: z.array(ProducerRefSchema),
});
export type ConversationItem = z.infer<typeof ConversationItemSchema>;

export const StateTokenUsageSchema = z.strictObject({
  input_tokens: int,
  cached_input_tokens: int,
  cache_write_input_tokens: int,
  output_tokens: int,
  reasoning_output_tokens: int,
});
/** Per-inference usage in state.json (no total: the reducer does not carry it). */
export type StateTokenUsage = z.infer<typeof StateTokenUsageSchema>;

export const InferenceCallSchema = z.strictObject({
  inference_call_id: str,
  thread_id: str,
  codex_turn_id: str,
  execution: ExecutionWindowSchema,
  model: str,
  provider_name: str,
  response_id: nullableStr,
  upstream_request_id: nullableStr,
  request_item_ids: strs,
  response_item_ids: strs,
  tool_call_ids_started_by_response: strs,
  usage: StateTokenUsageSchema.nullable(),
  raw_request_payload_id: str,
  /** Schema 3 only. */
  prepared_prompt_payload_id: nullableStr.optional(),
  raw_response_payload_id: nullableStr,
});
export type InferenceCall = z.infer<typeof InferenceCallSchema>;

export const CodeCellSchema = z.strictObject({
  code_cell_id: str,
  model_visible_call_id: str,
  thread_id: str,
  codex_turn_id: str,
  source_item_id: str,
  output_item_ids: strs,
  runtime_cell_id: nullableStr,
  execution: ExecutionWindowSchema,
  runtime_status: CodeCellRuntimeStatusSchema,
  initial_response_at_unix_ms: int.nullable(),
  initial_response_seq: int.nullable(),
  initial_response_status: CodeCellRuntimeStatusSchema.nullable(),
  raw_initial_response_payload_id: nullableStr,
  raw_result_payload_id: nullableStr,
  yielded_at_unix_ms: int.nullable(),
  yielded_seq: int.nullable(),
  source_js: str,
  nested_tool_call_ids: strs,
  wait_tool_call_ids: strs,
});
export type CodeCell = z.infer<typeof CodeCellSchema>;

export const ToolCallRequesterSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("model") }),
  z.strictObject({ type: z.literal("code_cell"), code_cell_id: str }),
]);
export type ToolCallRequester = z.infer<typeof ToolCallRequesterSchema>;

export const ToolCallSchema = z.strictObject({
  tool_call_id: str,
  mcp_call_id: nullableStr,
  model_visible_call_id: nullableStr,
  code_mode_runtime_tool_id: nullableStr,
  thread_id: str,
  started_by_codex_turn_id: nullableStr,
  execution: ExecutionWindowSchema,
  requester: ToolCallRequesterSchema,
  kind: ToolCallKindSchema,
  model_visible_call_item_ids: strs,
  model_visible_output_item_ids: strs,
  terminal_operation_id: nullableStr,
  summary: ToolCallSummarySchema,
  raw_invocation_payload_id: nullableStr,
  raw_result_payload_id: nullableStr,
  raw_runtime_payload_ids: strs,
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

export const TerminalSessionSchema = z.strictObject({
  terminal_id: str,
  thread_id: str,
  created_by_operation_id: str,
  operation_ids: strs,
  execution: ExecutionWindowSchema,
});
export type TerminalSession = z.infer<typeof TerminalSessionSchema>;

export const TerminalRequestSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("exec_command"),
    command: strs,
    display_command: str,
    cwd: str,
    yield_time_ms: int.nullable(),
    max_output_tokens: int.nullable(),
  }),
  z.strictObject({
    type: z.literal("write_stdin"),
    stdin: str,
    yield_time_ms: int.nullable(),
    max_output_tokens: int.nullable(),
  }),
]);
export type TerminalRequest = z.infer<typeof TerminalRequestSchema>;

export const TerminalResultSchema = z.strictObject({
  exit_code: int.nullable(),
  stdout: str,
  stderr: str,
  formatted_output: nullableStr,
  original_token_count: int.nullable(),
  chunk_id: nullableStr,
});
export type TerminalResult = z.infer<typeof TerminalResultSchema>;

export const TerminalObservationSchema = z.strictObject({
  call_item_ids: strs,
  output_item_ids: strs,
  source: z.enum(["direct_tool_call", "code_cell_output"]),
});
export type TerminalObservation = z.infer<typeof TerminalObservationSchema>;

export const TerminalOperationSchema = z.strictObject({
  operation_id: str,
  terminal_id: nullableStr,
  tool_call_id: str,
  kind: z.enum(["exec_command", "write_stdin"]),
  execution: ExecutionWindowSchema,
  request: TerminalRequestSchema,
  result: TerminalResultSchema.nullable(),
  model_observations: z.array(TerminalObservationSchema),
  raw_payload_ids: strs,
});
export type TerminalOperation = z.infer<typeof TerminalOperationSchema>;

export const CompactionSchema = z.strictObject({
  compaction_id: str,
  thread_id: str,
  codex_turn_id: str,
  installed_at_unix_ms: int,
  marker_item_id: str,
  request_ids: strs,
  input_item_ids: strs,
  replacement_item_ids: strs,
});
export type Compaction = z.infer<typeof CompactionSchema>;

export const CompactionRequestSchema = z.strictObject({
  compaction_request_id: str,
  compaction_id: str,
  thread_id: str,
  codex_turn_id: str,
  execution: ExecutionWindowSchema,
  model: str,
  provider_name: str,
  raw_request_payload_id: str,
  raw_response_payload_id: nullableStr,
});
export type CompactionRequest = z.infer<typeof CompactionRequestSchema>;

export const TraceAnchorSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("conversation_item"), item_id: str }),
  z.strictObject({ type: z.literal("tool_call"), tool_call_id: str }),
  z.strictObject({ type: z.literal("thread"), thread_id: str }),
]);
export type TraceAnchor = z.infer<typeof TraceAnchorSchema>;

export const InteractionEdgeSchema = z.strictObject({
  edge_id: str,
  kind: z.enum(["spawn_agent", "assign_agent_task", "send_message", "agent_result", "close_agent"]),
  source: TraceAnchorSchema,
  target: TraceAnchorSchema,
  started_at_unix_ms: int,
  ended_at_unix_ms: int.nullable(),
  carried_item_ids: strs,
  carried_raw_payload_ids: strs,
});
export type InteractionEdge = z.infer<typeof InteractionEdgeSchema>;

/** `state.json` of either schema: 2 has `recording_complete`, 3 has `recording_status` and v3 refs. */
export const RolloutTraceSchema = z.strictObject({
  schema_version: z.union([z.literal(2), z.literal(3)]),
  trace_id: str,
  rollout_id: str,
  started_at_unix_ms: int,
  ended_at_unix_ms: int.nullable(),
  status: RolloutStatusSchema,
  recording_complete: z.boolean().optional(),
  recording_status: z.enum(["complete", "unclosed", "closed_with_partial_payloads"]).optional(),
  root_thread_id: str,
  threads: z.record(str, AgentThreadSchema),
  codex_turns: z.record(str, CodexTurnSchema),
  conversation_items: z.record(str, ConversationItemSchema),
  inference_calls: z.record(str, InferenceCallSchema),
  code_cells: z.record(str, CodeCellSchema),
  tool_calls: z.record(str, ToolCallSchema),
  terminal_sessions: z.record(str, TerminalSessionSchema),
  terminal_operations: z.record(str, TerminalOperationSchema),
  compactions: z.record(str, CompactionSchema),
  compaction_requests: z.record(str, CompactionRequestSchema),
  interaction_edges: z.record(str, InteractionEdgeSchema),
  raw_payloads: z.record(str, z.union([RawPayloadRefSchema, RawPayloadRefV3Schema])),
});
export type RolloutTraceState = z.infer<typeof RolloutTraceSchema>;
