import { TraceRuleError } from "../errors.js";
import type { AnyPayloadRef, ExecutionStatus, RawPayloadOf, RawTraceEvent } from "../schema.js";
import type { StateTokenUsage } from "../state-schema.js";
import { reconcileRequest, reconcileResponse, requestProducers } from "./conversation.js";
import { closeWindow, openWindow, type Graph } from "./graph.js";
import { normalizeItem } from "./items.js";

/** Parsed payloads of the event being applied, by `raw_payload_id`. */
export type EventPayloads = ReadonlyMap<string, unknown>;

/**
 * The parsed payload, or {@link UNAVAILABLE} when the event's payloads do not hold it: a schema-3
 * payload truncated or omitted by a size limit, which the rule reading it proceeds without
 * (spec v3 §10.3). Schema 2 payloads are always there (a missing file is an error earlier).
 */
export const UNAVAILABLE: unique symbol = Symbol("trace_unavailable");

export function payloadOf(payloads: EventPayloads, ref: AnyPayloadRef): unknown {
  return payloads.has(ref.raw_payload_id) ? payloads.get(ref.raw_payload_id) : UNAVAILABLE;
}

type Ev<T extends RawTraceEvent["payload"]["type"]> = RawTraceEvent & { payload: RawPayloadOf<T> };

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function optStr(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

export function applyThreadStarted(g: Graph, ev: Ev<"thread_started">, payloads: EventPayloads): void {
  const p = ev.payload;
  if (g.state.threads.has(p.thread_id)) throw new TraceRuleError(`duplicate thread start ${p.thread_id}`);
  const meta = p.metadata_payload ? obj(payloadOf(payloads, p.metadata_payload)) : {};
  const spawn = obj(obj(obj(meta.session_source).subagent).thread_spawn);
  const parent = optStr(spawn.parent_thread_id);
  const spawnEdgeId = parent === null ? null : `edge:spawn:${parent}:${p.thread_id}`;
  g.state.threads.set(p.thread_id, {
    thread_id: p.thread_id,
    agent_path: optStr(spawn.agent_path) ?? optStr(meta.agent_path) ?? p.agent_path,
    nickname: optStr(meta.nickname),
    origin:
      parent === null || spawnEdgeId === null
        ? { type: "root" }
        : {
            type: "spawned",
            parent_thread_id: parent,
            spawn_edge_id: spawnEdgeId,
            task_name: optStr(spawn.task_name) ?? optStr(meta.task_name) ?? "",
            agent_role: optStr(spawn.agent_role) ?? optStr(meta.agent_role) ?? "",
          },
    execution: openWindow(ev),
    default_model: optStr(meta.model),
    conversation_item_ids: [],
  });
  if (parent !== null && spawnEdgeId !== null && !g.state.interaction_edges.has(spawnEdgeId)) {
    g.state.interaction_edges.set(spawnEdgeId, {
      edge_id: spawnEdgeId,
      kind: "spawn_agent",
      source: { type: "thread", thread_id: parent },
      target: { type: "thread", thread_id: p.thread_id },
      started_at_unix_ms: ev.wall_time_unix_ms,
      ended_at_unix_ms: null,
      carried_item_ids: [],
      carried_raw_payload_ids: [],
    });
  }
}

export function applyThreadEnded(g: Graph, ev: Ev<"thread_ended">): void {
  closeWindow(g.thread(ev.payload.thread_id).execution, ev, ev.payload.status);
}

export function applyThreadResumed(g: Graph, ev: Ev<"thread_resumed">): void {
  const id = ev.payload.thread_id;
  const t = g.state.threads.get(id);
  if (!t) {
    throw new TraceRuleError(
      `cannot resume thread ${id}: it was not started in this trace; resuming threads from an earlier trace is not supported`,
    );
  }
  if (t.execution.ended_seq === null) throw new TraceRuleError(`resumed thread ${id} has not ended`);
  t.execution.ended_at_unix_ms = null;
  t.execution.ended_seq = null;
  t.execution.status = "running";
}

export function applyTurnStarted(g: Graph, ev: Ev<"codex_turn_started">): void {
  const p = ev.payload;
  g.thread(p.thread_id);
  if (g.state.codex_turns.has(p.codex_turn_id))
    throw new TraceRuleError(`duplicate Codex turn ${p.codex_turn_id}`);
  g.state.codex_turns.set(p.codex_turn_id, {
    codex_turn_id: p.codex_turn_id,
    thread_id: p.thread_id,
    execution: openWindow(ev),
    input_item_ids: [],
  });
}

const CELL_STATUS_ON_TURN_END: Partial<Record<ExecutionStatus, "failed" | "terminated">> = {
  failed: "failed",
  cancelled: "terminated",
  aborted: "terminated",
};
const INFERENCE_STATUS_ON_TURN_END: Record<ExecutionStatus, ExecutionStatus> = {
  running: "cancelled",
  completed: "cancelled",
  cancelled: "cancelled",
  failed: "failed",
  aborted: "aborted",
};

export function applyTurnEnded(g: Graph, ev: Ev<"codex_turn_ended">): void {
  const p = ev.payload;
  const turn = g.turn(p.codex_turn_id);
  closeWindow(turn.execution, ev, p.status);
  const cellStatus = CELL_STATUS_ON_TURN_END[p.status];
  if (cellStatus) {
    for (const id of g.codeCellsByTurn.get(p.codex_turn_id) ?? []) {
      const cell = g.state.code_cells.get(id)!;
      if (cell.execution.status !== "running") continue;
      cell.runtime_status = cellStatus;
      closeWindow(cell.execution, ev, cellStatus === "failed" ? "failed" : "cancelled");
    }
  }
  for (const id of g.inferencesByTurn.get(p.codex_turn_id) ?? []) {
    const call = g.state.inference_calls.get(id)!;
    if (call.execution.status === "running")
      closeWindow(call.execution, ev, INFERENCE_STATUS_ON_TURN_END[p.status]);
  }
}

export function applyHistoryItemAccepted(
  g: Graph,
  ev: Ev<"history_item_accepted">,
  payloads: EventPayloads,
): void {
  const threadId = ev.thread_id;
  if (threadId === null) throw new TraceRuleError("history acceptance has no thread");
  g.thread(threadId);
  // Schema 3 carries the accepted item itself (a tool output, an agent message): it becomes a
  // conversation item now, seen at acceptance, and joins the snapshot the next request reconciles with.
  for (const ref of [ev.payload.tool_output_payload, ev.payload.agent_message_payload]) {
    const raw = ref ? payloadOf(payloads, ref) : UNAVAILABLE;
    if (ref && raw !== UNAVAILABLE) acceptCarriedItem(g, ev, threadId, raw, ref.raw_payload_id);
  }
  g.acceptResponsesItem(threadId, ev.payload.item_id, ev.wall_time_unix_ms, ev.seq);
}

function acceptCarriedItem(
  g: Graph,
  ev: Ev<"history_item_accepted">,
  threadId: string,
  raw: unknown,
  payloadId: string,
): void {
  const n = normalizeItem(raw, payloadId);
  if (n.responsesItemId !== undefined && g.hasResponsesItem(threadId, n.responsesItemId)) return;
  const item = g.createItem(
    n,
    threadId,
    ev.codex_turn_id,
    ev.wall_time_unix_ms,
    requestProducers(g, threadId, n),
  );
  const snapshot = g.snapshots.get(threadId);
  if (snapshot) snapshot.push(item.item_id);
  else g.snapshots.set(threadId, [item.item_id]);
}

/** Schema 3: request evidence must carry the kinds its fields name (spec v3 §5). */
function checkRequestEvidence(p: Ev<"inference_started">["payload"], payloads: EventPayloads): void {
  const kinds: [unknown, string][] = [
    [p.request_payload, "inference_request"],
    [p.prepared_prompt_payload, "prepared_prompt"],
    [p.warmup_context_payload, "warmup_context"],
  ];
  for (const [ref, kind] of kinds) {
    if (ref && (ref as { kind: { type: string } }).kind.type !== kind) {
      throw new TraceRuleError(`inference ${p.inference_call_id} has mislabeled request evidence`);
    }
  }
  const stripped = p.stripped_tool_output_ids;
  const request = payloadOf(payloads, p.request_payload);
  if (!stripped || request === UNAVAILABLE) return;
  const input = (request as { input?: unknown } | null)?.input;
  for (const [index] of stripped) {
    const item = Array.isArray(input) ? (input[index] as Record<string, unknown> | undefined) : undefined;
    const isOutput =
      item !== null &&
      typeof item === "object" &&
      (item.type === "function_call_output" || item.type === "custom_tool_call_output");
    if (!isOutput || typeof item.id === "string") {
      throw new TraceRuleError(
        `stripped tool output ID does not refer to an ID-less output at input ${index}`,
      );
    }
  }
}

export function applyInferenceStarted(g: Graph, ev: Ev<"inference_started">, payloads: EventPayloads): void {
  const p = ev.payload;
  const v3 = g.state.schema_version === 3;
  if (v3) checkRequestEvidence(p, payloads);
  if (g.state.inference_calls.has(p.inference_call_id)) {
    throw new TraceRuleError(`duplicate inference call ${p.inference_call_id}`);
  }
  const turn = g.turn(p.codex_turn_id);
  if (turn.thread_id !== p.thread_id) {
    throw new TraceRuleError(
      `inference call ${p.inference_call_id} names thread ${p.thread_id} but its turn belongs to ${turn.thread_id}`,
    );
  }
  const request = payloadOf(payloads, p.request_payload);
  const payloadId = p.request_payload.raw_payload_id;
  if (v3 && request !== UNAVAILABLE && !Array.isArray((request as { input?: unknown } | null)?.input)) {
    throw new TraceRuleError(`inference request payload ${payloadId} had non-array input`);
  }
  // An unavailable request (truncated or omitted) leaves the call without request items; they are
  // created later from other evidence, never from the prepared prompt.
  const requestIds =
    request === UNAVAILABLE ? [] : reconcileRequest(g, p.thread_id, p.codex_turn_id, ev, request, payloadId);
  g.state.inference_calls.set(p.inference_call_id, {
    inference_call_id: p.inference_call_id,
    thread_id: p.thread_id,
    codex_turn_id: p.codex_turn_id,
    execution: openWindow(ev),
    model: p.model,
    provider_name: p.provider_name,
    response_id: null,
    upstream_request_id: null,
    request_item_ids: requestIds,
    response_item_ids: [],
    tool_call_ids_started_by_response: [],
    usage: null,
    raw_request_payload_id: p.request_payload.raw_payload_id,
    prepared_prompt_payload_id: v3 ? (p.prepared_prompt_payload?.raw_payload_id ?? null) : undefined,
    raw_response_payload_id: null,
  });
  const list = g.inferencesByTurn.get(p.codex_turn_id);
  if (list) list.push(p.inference_call_id);
  else g.inferencesByTurn.set(p.codex_turn_id, [p.inference_call_id]);
}

function usageOf(v: unknown): StateTokenUsage | null {
  const u = obj(v);
  const n = (x: unknown): number | null =>
    typeof x === "number" && Number.isInteger(x) ? Math.max(0, x) : null;
  const input = n(u.input_tokens);
  const cached = n(u.cached_input_tokens);
  const output = n(u.output_tokens);
  const reasoning = n(u.reasoning_output_tokens);
  if (input === null || cached === null || output === null || reasoning === null) return null;
  return {
    input_tokens: input,
    cached_input_tokens: cached,
    cache_write_input_tokens: n(u.cache_write_input_tokens) ?? 0,
    output_tokens: output,
    reasoning_output_tokens: reasoning,
  };
}

type InferenceEnd = Ev<"inference_completed"> | Ev<"inference_failed"> | Ev<"inference_cancelled">;
const TERMINAL_STATUS = {
  inference_completed: "completed",
  inference_failed: "failed",
  inference_cancelled: "cancelled",
} as const;

/**
 * Applies a terminal inference event. `response_id` comes only from `inference_completed`;
 * `upstream_request_id` is always taken from the event, also when it arrives after the turn closed
 * the call (the late-event rule keeps the turn end's status and window).
 */
export function applyInferenceEnded(g: Graph, ev: InferenceEnd, payloads: EventPayloads): void {
  const p = ev.payload;
  const call = g.state.inference_calls.get(p.inference_call_id);
  if (!call) throw new TraceRuleError(`unknown inference call ${p.inference_call_id}`);
  if (call.execution.status === "running") closeWindow(call.execution, ev, TERMINAL_STATUS[p.type]);
  if (p.type === "inference_completed") {
    call.response_id = p.response_id;
    if (p.response_id !== null)
      g.inferenceByResponseId.set(call.thread_id, p.response_id, call.inference_call_id);
  }
  call.upstream_request_id = p.upstream_request_id;
  const ref = p.type === "inference_completed" ? p.response_payload : p.partial_response_payload;
  if (!ref) return;
  const value = payloadOf(payloads, ref);
  if (value === UNAVAILABLE) {
    // Schema 3, response truncated or omitted: no items, no usage; the event's ids still count.
    call.raw_response_payload_id = ref.raw_payload_id;
    return;
  }
  const response = obj(value);
  const outputItems = Array.isArray(response.output_items) ? response.output_items : [];
  call.response_item_ids = reconcileResponse(
    g,
    call.thread_id,
    call.codex_turn_id,
    ev,
    outputItems,
    ref.raw_payload_id,
    call.inference_call_id,
  );
  call.raw_response_payload_id = ref.raw_payload_id;
  call.usage = usageOf(response.token_usage);
  for (const id of call.response_item_ids) {
    const item = g.state.conversation_items.get(id)!;
    if (item.call_id === null || (item.kind !== "function_call" && item.kind !== "custom_tool_call"))
      continue;
    const tool = g.toolByVisibleCallId.get(call.thread_id, item.call_id);
    if (tool !== undefined && !call.tool_call_ids_started_by_response.includes(tool)) {
      call.tool_call_ids_started_by_response.push(tool);
    }
  }
}
