import { z } from "zod";

/**
 * Wire schemas of a rollout-trace bundle: manifest, raw event envelope and every payload variant,
 * for schema 2 (Codex 0.169.0) and schema 3 (Codex 0.171.0, spec v3). The two differ in payload
 * refs (a file path vs a shard number with capture status and fragment parts) and in a few event
 * fields; both are built from one description. Unknown extra keys are ignored (zod's default
 * strip), as the spec says; unknown enum values, payload kinds and event types are parse errors.
 * A `Ref|null` or `string|null` field may be absent (= null) in both schemas (spec v3 §8.2).
 */

export const TRACE_SCHEMA_VERSION = 2;
/** The schemas Spool reads and writes: 2 (Codex 0.169) and 3 (Codex 0.171). */
export const TRACE_SCHEMA_VERSIONS = [2, 3] as const;
export type TraceSchemaVersion = (typeof TRACE_SCHEMA_VERSIONS)[number];

const str = z.string();
const nullableStr = z.string().nullable().default(null);
const int = z.number().int();
const u64 = z.number().int().nonnegative();

export const RolloutStatusSchema = z.enum(["running", "completed", "failed", "aborted"]);
export type RolloutStatus = z.infer<typeof RolloutStatusSchema>;

export const ExecutionStatusSchema = z.enum(["running", "completed", "failed", "cancelled", "aborted"]);
export type ExecutionStatus = z.infer<typeof ExecutionStatusSchema>;

export const CodeCellRuntimeStatusSchema = z.enum([
  "starting",
  "running",
  "yielded",
  "completed",
  "failed",
  "terminated",
]);
export type CodeCellRuntimeStatus = z.infer<typeof CodeCellRuntimeStatusSchema>;

export const RAW_PAYLOAD_KINDS = [
  "session_metadata",
  "protocol_event",
  "inference_request",
  "inference_response",
  "tool_invocation",
  "tool_runtime_event",
  "tool_result",
  "terminal_runtime_event",
  "compaction_request",
  "compaction_response",
  "compaction_checkpoint",
  "agent_result",
] as const;
/** Kinds schema 3 adds (spec v3 §5): prompt assembly and fragment records. */
export const RAW_PAYLOAD_KINDS_V3 = [
  ...RAW_PAYLOAD_KINDS,
  "prepared_prompt",
  "model_item",
  "content_value",
  "warmup_context",
] as const;
export type RawPayloadKindName = (typeof RAW_PAYLOAD_KINDS)[number];
export type RawPayloadKindNameV3 = (typeof RAW_PAYLOAD_KINDS_V3)[number];

export const RawPayloadKindSchema = z.object({ type: z.enum(RAW_PAYLOAD_KINDS) });
export type RawPayloadKind = z.infer<typeof RawPayloadKindSchema>;

/** Schema 2: one pretty JSON file per payload. */
export const RawPayloadRefSchema = z.object({
  raw_payload_id: str,
  kind: RawPayloadKindSchema,
  path: str,
});
export type RawPayloadRef = z.infer<typeof RawPayloadRefSchema>;

/** Schema 3 `capture` (internally tagged by `status`); absent = complete. */
export const PayloadCaptureSchema = z.discriminatedUnion("status", [
  z.object({ status: z.literal("complete") }),
  z.object({ status: z.literal("truncated"), original_bytes: u64, retained_bytes: u64 }),
  z.object({ status: z.literal("omitted"), original_bytes: u64 }),
]);
export type PayloadCapture = z.infer<typeof PayloadCaptureSchema>;

/** Schema 3: a record in shard `payloads/<shard>.zst`, possibly truncated, omitted or a fragment template. */
export interface RawPayloadRefV3 {
  raw_payload_id: string;
  kind: { type: RawPayloadKindNameV3 };
  /** `null` (or absent) for an omitted payload. */
  shard?: number | null | undefined;
  capture?: PayloadCapture | undefined;
  parts?: RawPayloadRefV3[] | undefined;
}
export const RawPayloadRefV3Schema: z.ZodType<RawPayloadRefV3> = z.lazy(() =>
  z.object({
    raw_payload_id: str,
    kind: z.object({ type: z.enum(RAW_PAYLOAD_KINDS_V3) }),
    shard: u64.nullable().optional(),
    capture: PayloadCaptureSchema.optional(),
    parts: z.array(RawPayloadRefV3Schema).optional(),
  }),
);

/** A payload ref of either schema. */
export type AnyPayloadRef = RawPayloadRef | RawPayloadRefV3;

export const ToolCallKindSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("exec_command") }),
  z.object({ type: z.literal("write_stdin") }),
  z.object({ type: z.literal("apply_patch") }),
  z.object({ type: z.literal("mcp"), server: str, tool: str }),
  z.object({ type: z.literal("web") }),
  z.object({ type: z.literal("image_generation") }),
  z.object({ type: z.literal("spawn_agent") }),
  z.object({ type: z.literal("assign_agent_task") }),
  z.object({ type: z.literal("send_message") }),
  z.object({ type: z.literal("wait_agent") }),
  z.object({ type: z.literal("close_agent") }),
  z.object({ type: z.literal("other"), name: str }),
]);
export type ToolCallKind = z.infer<typeof ToolCallKindSchema>;

export const ToolCallSummarySchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("terminal"), operation_id: str }),
  z.object({
    type: z.literal("agent"),
    target_agent_path: str,
    task_name: nullableStr,
    message_preview: str,
  }),
  z.object({ type: z.literal("wait_agent"), target_agent_path: nullableStr, timeout_ms: int.nullable() }),
  z.object({
    type: z.literal("generic"),
    label: str,
    input_preview: nullableStr,
    output_preview: nullableStr,
  }),
]);
export type ToolCallSummary = z.infer<typeof ToolCallSummarySchema>;

export const RawToolCallRequesterSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("model") }),
  z.object({ type: z.literal("code_cell"), runtime_cell_id: str }),
]);
export type RawToolCallRequester = z.infer<typeof RawToolCallRequesterSchema>;

export const ManifestSchema = z.object({
  schema_version: int,
  trace_id: str,
  rollout_id: str,
  root_thread_id: str,
  started_at_unix_ms: int,
  raw_event_log: str,
  payloads_dir: str,
});
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * Every raw event payload, internally tagged by `type`, fields in wire order. Schema-3-only fields
 * are optional here; the schema-3 reducer enforces the ones Codex 0.171 requires.
 */
function eventPayloadSchema(ref: z.ZodType<AnyPayloadRef>) {
  const nullableRef = ref.nullable().default(null);
  return z.discriminatedUnion("type", [
    z.object({ type: z.literal("rollout_started"), trace_id: str, root_thread_id: str }),
    z.object({ type: z.literal("rollout_ended"), status: RolloutStatusSchema }),
    z.object({ type: z.literal("recording_completed") }),
    z.object({
      type: z.literal("thread_started"),
      thread_id: str,
      agent_path: str,
      metadata_payload: nullableRef,
    }),
    z.object({ type: z.literal("thread_ended"), thread_id: str, status: RolloutStatusSchema }),
    z.object({ type: z.literal("thread_resumed"), thread_id: str }),
    z.object({ type: z.literal("codex_turn_started"), codex_turn_id: str, thread_id: str }),
    z.object({ type: z.literal("codex_turn_ended"), codex_turn_id: str, status: ExecutionStatusSchema }),
    z.object({
      type: z.literal("history_item_accepted"),
      item_id: str,
      agent_message_payload: nullableRef,
      tool_output_payload: nullableRef,
    }),
    z.object({
      type: z.literal("inference_started"),
      inference_call_id: str,
      thread_id: str,
      codex_turn_id: str,
      model: str,
      provider_name: str,
      request_payload: ref,
      prepared_prompt_payload: ref.optional(),
      warmup_context_payload: nullableRef,
      stripped_tool_output_ids: z
        .array(z.tuple([u64, str]))
        .nullable()
        .default(null),
    }),
    z.object({
      type: z.literal("inference_completed"),
      inference_call_id: str,
      response_id: nullableStr,
      upstream_request_id: nullableStr,
      response_payload: ref,
    }),
    z.object({
      type: z.literal("inference_failed"),
      inference_call_id: str,
      upstream_request_id: nullableStr,
      error: str,
      partial_response_payload: nullableRef,
    }),
    z.object({
      type: z.literal("inference_cancelled"),
      inference_call_id: str,
      upstream_request_id: nullableStr,
      reason: str,
      partial_response_payload: nullableRef,
    }),
    z.object({
      type: z.literal("tool_call_started"),
      tool_call_id: str,
      model_visible_call_id: nullableStr,
      code_mode_runtime_tool_id: nullableStr,
      requester: RawToolCallRequesterSchema,
      kind: ToolCallKindSchema,
      summary: ToolCallSummarySchema,
      invocation_payload: nullableRef,
    }),
    z.object({ type: z.literal("mcp_tool_call_correlation_assigned"), tool_call_id: str, mcp_call_id: str }),
    z.object({ type: z.literal("code_cell_wait_target_resolved"), tool_call_id: str, runtime_cell_id: str }),
    z.object({ type: z.literal("stdin_target_resolved"), tool_call_id: str, exec_tool_call_id: str }),
    z.object({
      type: z.literal("tool_call_runtime_started"),
      tool_call_id: str,
      kind: ToolCallKindSchema,
      runtime_payload: ref,
    }),
    z.object({
      type: z.literal("tool_call_runtime_ended"),
      tool_call_id: str,
      status: ExecutionStatusSchema,
      runtime_payload: ref,
    }),
    z.object({
      type: z.literal("tool_call_ended"),
      tool_call_id: str,
      status: ExecutionStatusSchema,
      result_payload: nullableRef,
    }),
    z.object({
      type: z.literal("code_cell_started"),
      runtime_cell_id: str,
      model_visible_call_id: str,
      source_js: str,
    }),
    z.object({
      type: z.literal("code_cell_initial_response"),
      runtime_cell_id: str,
      status: CodeCellRuntimeStatusSchema,
      response_payload: nullableRef,
    }),
    z.object({
      type: z.literal("code_cell_ended"),
      runtime_cell_id: str,
      status: CodeCellRuntimeStatusSchema,
      response_payload: nullableRef,
    }),
    z.object({
      type: z.literal("compaction_request_started"),
      compaction_id: str,
      compaction_request_id: str,
      thread_id: str,
      codex_turn_id: str,
      model: str,
      provider_name: str,
      request_payload: ref,
    }),
    z.object({
      type: z.literal("compaction_request_completed"),
      compaction_id: str,
      compaction_request_id: str,
      response_payload: ref,
    }),
    z.object({
      type: z.literal("compaction_request_failed"),
      compaction_id: str,
      compaction_request_id: str,
      error: str,
    }),
    z.object({ type: z.literal("compaction_installed"), compaction_id: str, checkpoint_payload: ref }),
    z.object({
      type: z.literal("agent_result_observed"),
      edge_id: str,
      child_thread_id: str,
      child_codex_turn_id: str,
      parent_thread_id: str,
      message: str,
      carried_payload: nullableRef,
    }),
    z.object({ type: z.literal("protocol_event_observed"), event_type: str, event_payload: ref }),
    z.object({
      type: z.literal("other"),
      kind: str,
      summary: str,
      payloads: z.array(ref),
      metadata: z.unknown(),
    }),
  ]);
}

const V2_PAYLOAD = eventPayloadSchema(RawPayloadRefSchema);
const V3_PAYLOAD = eventPayloadSchema(RawPayloadRefV3Schema);
export const RawTraceEventPayloadSchema = V2_PAYLOAD;
export const RawTraceEventPayloadV3Schema = V3_PAYLOAD;
export type RawTraceEventPayload = z.infer<ReturnType<typeof eventPayloadSchema>>;
/** What a writer hands in: fields that default to `null` (and schema-3 additions) may be left out. */
export type RawTraceEventPayloadInput = z.input<ReturnType<typeof eventPayloadSchema>>;
export type RawTraceEventType = RawTraceEventPayload["type"];
export type RawPayloadOf<T extends RawTraceEventType> = Extract<RawTraceEventPayload, { type: T }>;

/** The `trace.jsonl` line envelope; a missing `thread_id`/`codex_turn_id` key reads as `null`. */
function eventSchema<P extends z.ZodType<RawTraceEventPayload>>(payload: P) {
  return z.object({
    schema_version: int,
    seq: int,
    wall_time_unix_ms: int,
    rollout_id: str,
    thread_id: nullableStr,
    codex_turn_id: nullableStr,
    payload,
  });
}
export const RawTraceEventSchema = eventSchema(V2_PAYLOAD);
export const RawTraceEventV3Schema = eventSchema(V3_PAYLOAD);
export type RawTraceEvent = z.infer<typeof RawTraceEventSchema>;

/** Every ref an event carries, in field order (registered in `raw_payloads` before the event applies). */
export function payloadRefsOf(p: RawTraceEventPayload): AnyPayloadRef[] {
  switch (p.type) {
    case "thread_started":
      return p.metadata_payload ? [p.metadata_payload] : [];
    case "history_item_accepted": {
      const refs: AnyPayloadRef[] = [];
      if (p.agent_message_payload) refs.push(p.agent_message_payload);
      if (p.tool_output_payload) refs.push(p.tool_output_payload);
      return refs;
    }
    case "inference_started": {
      const refs: AnyPayloadRef[] = [p.request_payload];
      if (p.prepared_prompt_payload) refs.push(p.prepared_prompt_payload);
      if (p.warmup_context_payload) refs.push(p.warmup_context_payload);
      return refs;
    }
    case "compaction_request_started":
      return [p.request_payload];
    case "inference_completed":
    case "compaction_request_completed":
      return [p.response_payload];
    case "inference_failed":
    case "inference_cancelled":
      return p.partial_response_payload ? [p.partial_response_payload] : [];
    case "tool_call_started":
      return p.invocation_payload ? [p.invocation_payload] : [];
    case "tool_call_runtime_started":
    case "tool_call_runtime_ended":
      return [p.runtime_payload];
    case "tool_call_ended":
      return p.result_payload ? [p.result_payload] : [];
    case "code_cell_initial_response":
    case "code_cell_ended":
      return p.response_payload ? [p.response_payload] : [];
    case "compaction_installed":
      return [p.checkpoint_payload];
    case "agent_result_observed":
      return p.carried_payload ? [p.carried_payload] : [];
    case "protocol_event_observed":
      return [p.event_payload];
    case "other":
      return p.payloads;
    default:
      return [];
  }
}
