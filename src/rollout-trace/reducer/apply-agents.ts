import { TraceRuleError } from "../errors.js";
import type { RawPayloadOf, RawTraceEvent } from "../schema.js";
import { payloadOf, type EventPayloads } from "./apply-core.js";
import { reconcileFull } from "./conversation.js";
import { closeWindow, openWindow, type Graph } from "./graph.js";
import { normalizeItem } from "./items.js";

type Ev<T extends RawTraceEvent["payload"]["type"]> = RawTraceEvent & { payload: RawPayloadOf<T> };

export function applyCompactionRequestStarted(g: Graph, ev: Ev<"compaction_request_started">): void {
  const p = ev.payload;
  if (g.state.compaction_requests.has(p.compaction_request_id)) {
    throw new TraceRuleError(`duplicate compaction request ${p.compaction_request_id}`);
  }
  const turn = g.turn(p.codex_turn_id);
  if (turn.thread_id !== p.thread_id) {
    throw new TraceRuleError(
      `compaction request ${p.compaction_request_id} names thread ${p.thread_id} but its turn belongs to ${turn.thread_id}`,
    );
  }
  g.state.compaction_requests.set(p.compaction_request_id, {
    compaction_request_id: p.compaction_request_id,
    compaction_id: p.compaction_id,
    thread_id: p.thread_id,
    codex_turn_id: p.codex_turn_id,
    execution: openWindow(ev),
    model: p.model,
    provider_name: p.provider_name,
    raw_request_payload_id: p.request_payload.raw_payload_id,
    raw_response_payload_id: null,
  });
  const ids = g.compactionRequestIds.get(p.compaction_id);
  if (ids) ids.push(p.compaction_request_id);
  else g.compactionRequestIds.set(p.compaction_id, [p.compaction_request_id]);
}

function compactionRequest(g: Graph, id: string) {
  const r = g.state.compaction_requests.get(id);
  if (!r) throw new TraceRuleError(`unknown compaction request ${id}`);
  return r;
}

export function applyCompactionRequestCompleted(g: Graph, ev: Ev<"compaction_request_completed">): void {
  const r = compactionRequest(g, ev.payload.compaction_request_id);
  closeWindow(r.execution, ev, "completed");
  r.raw_response_payload_id = ev.payload.response_payload.raw_payload_id;
}

export function applyCompactionRequestFailed(g: Graph, ev: Ev<"compaction_request_failed">): void {
  closeWindow(compactionRequest(g, ev.payload.compaction_request_id).execution, ev, "failed");
}

/**
 * Installs a compaction: the input history reconciled against the thread snapshot, a
 * `compaction_marker` item, fresh replacement items, and the replacement history as the baseline
 * of the thread's next full request.
 */
export function applyCompactionInstalled(
  g: Graph,
  ev: Ev<"compaction_installed">,
  payloads: EventPayloads,
): void {
  const p = ev.payload;
  const threadId = ev.thread_id;
  const turnId = ev.codex_turn_id;
  if (threadId === null || turnId === null) {
    throw new TraceRuleError(
      `compaction ${p.compaction_id} was installed without thread and Codex turn context`,
    );
  }
  g.thread(threadId);
  if (g.state.compactions.has(p.compaction_id))
    throw new TraceRuleError(`duplicate compaction ${p.compaction_id}`);
  const checkpoint = payloadOf(payloads, p.checkpoint_payload) as {
    input_history?: unknown;
    replacement_history?: unknown;
  } | null;
  const payloadId = p.checkpoint_payload.raw_payload_id;
  const input = checkpoint?.input_history;
  const replacement = checkpoint?.replacement_history;
  if (!Array.isArray(input) || !Array.isArray(replacement)) {
    throw new TraceRuleError(
      `compaction checkpoint ${payloadId} needs input_history and replacement_history arrays`,
    );
  }
  // Order as Codex 0.169 numbers them: the input history first (matched by content against the
  // thread snapshot, new items for what was never seen), then the marker, then the replacement
  // history as fresh items even where it repeats old text; all three join the transcript.
  const inputIds = reconcileFull(g, threadId, turnId, ev, input, payloadId, g.snapshots.get(threadId) ?? [], {
    joinTranscript: true,
    positional: false,
  });
  const producer = { type: "compaction", compaction_id: p.compaction_id } as const;
  const marker = g.createItem(
    {
      responsesItemId: undefined,
      role: "assistant",
      channel: null,
      kind: "compaction_marker",
      agentMessage: undefined,
      parts: [],
      callId: null,
    },
    threadId,
    turnId,
    ev.wall_time_unix_ms,
    [{ ...producer }],
  );
  g.appendToTranscript(threadId, marker.item_id);
  const replacementIds = replacement.map((raw) => {
    const item = g.createItem(normalizeItem(raw, payloadId), threadId, turnId, ev.wall_time_unix_ms, [
      { ...producer },
    ]);
    g.appendToTranscript(threadId, item.item_id);
    return item.item_id;
  });
  g.pendingReplacements.set(threadId, replacementIds);
  g.state.compactions.set(p.compaction_id, {
    compaction_id: p.compaction_id,
    thread_id: threadId,
    codex_turn_id: turnId,
    installed_at_unix_ms: ev.wall_time_unix_ms,
    marker_item_id: marker.item_id,
    request_ids: g.compactionRequestIds.get(p.compaction_id) ?? [],
    input_item_ids: inputIds,
    replacement_item_ids: replacementIds,
  });
}

/** An `agent_result` edge from the child thread to its parent, carrying the result payload. */
export function applyAgentResult(g: Graph, ev: Ev<"agent_result_observed">): void {
  const p = ev.payload;
  g.thread(p.parent_thread_id);
  g.thread(p.child_thread_id);
  const existing = g.state.interaction_edges.get(p.edge_id);
  if (existing && (existing.kind !== "agent_result" || existing.source.type !== "thread")) {
    throw new TraceRuleError(`conflicting endpoints for interaction edge ${p.edge_id}`);
  }
  g.state.interaction_edges.set(p.edge_id, {
    edge_id: p.edge_id,
    kind: "agent_result",
    source: { type: "thread", thread_id: p.child_thread_id },
    target: { type: "thread", thread_id: p.parent_thread_id },
    started_at_unix_ms: ev.wall_time_unix_ms,
    ended_at_unix_ms: ev.wall_time_unix_ms,
    carried_item_ids: [],
    carried_raw_payload_ids: p.carried_payload ? [p.carried_payload.raw_payload_id] : [],
  });
}
