import { TraceRuleError } from "../errors.js";
import type { RawTraceEvent } from "../schema.js";
import type { ProducerRef } from "../state-schema.js";
import type { Graph } from "./graph.js";
import { itemMatches, normalizeItem, type NormalizedItem } from "./items.js";

/** Producer refs for an item read from a request or checkpoint: tool outputs are produced by their tool. */
export function requestProducers(g: Graph, threadId: string, n: NormalizedItem): ProducerRef[] {
  if ((n.kind === "function_call_output" || n.kind === "custom_tool_call_output") && n.callId !== null) {
    const tool = g.toolByVisibleCallId.get(threadId, n.callId);
    if (tool !== undefined) return [{ type: "tool", tool_call_id: tool }];
  }
  return [];
}

/**
 * Full-snapshot reconciliation: position by position reuse the baseline's id at the same index if
 * it matches, else the first unused matching id, else create an item. `positional: false` skips
 * the same-index preference (a compaction's input history is matched by content only).
 */
export function reconcileFull(
  g: Graph,
  threadId: string,
  turnId: string | null,
  ev: RawTraceEvent,
  input: unknown[],
  payloadId: string,
  baseline: readonly string[],
  options: { joinTranscript: boolean; positional: boolean },
): string[] {
  const used = new Set<string>();
  const ids: string[] = [];
  const matches = (id: string, n: NormalizedItem): boolean =>
    !used.has(id) && itemMatches(g.state.conversation_items.get(id)!, n);
  input.forEach((raw, i) => {
    const n = normalizeItem(raw, payloadId);
    const atIndex = options.positional ? baseline[i] : undefined;
    let id = atIndex !== undefined && matches(atIndex, n) ? atIndex : baseline.find((c) => matches(c, n));
    if (id === undefined) {
      id = g.createItem(n, threadId, turnId, ev.wall_time_unix_ms, requestProducers(g, threadId, n)).item_id;
    } else {
      g.sighted(g.state.conversation_items.get(id)!, n);
    }
    used.add(id);
    ids.push(id);
    if (options.joinTranscript) g.appendToTranscript(threadId, id);
  });
  return ids;
}

/**
 * Append-only reconciliation after `prefix`: an item that matches the snapshot entry at its
 * position is reused, anything else is new.
 */
function reconcileAppend(
  g: Graph,
  threadId: string,
  turnId: string | null,
  ev: RawTraceEvent,
  items: unknown[],
  payloadId: string,
  prefix: readonly string[],
  producers: (n: NormalizedItem) => ProducerRef[],
  joinTranscript: boolean,
): string[] {
  const snapshot = g.snapshots.get(threadId) ?? [];
  const samePrefix = prefix.every((id, i) => snapshot[i] === id);
  return items.map((raw, i) => {
    const n = normalizeItem(raw, payloadId);
    const existingId = samePrefix ? snapshot[prefix.length + i] : undefined;
    const existing = existingId === undefined ? undefined : g.state.conversation_items.get(existingId)!;
    let id: string;
    if (existing !== undefined && itemMatches(existing, n)) {
      g.sighted(existing, n);
      id = existing.item_id;
    } else {
      if (existing !== undefined) {
        // Codex's reducer stops here ("model conversation mismatch"); a retried request that
        // branches from an earlier response is legitimate, so Spool keeps both branches.
        g.anomalies.push(
          `payload ${payloadId} item ${prefix.length + i} differs from ${existing.item_id} at the same position of thread ${threadId}; reduced as a new item`,
        );
      }
      id = g.createItem(n, threadId, turnId, ev.wall_time_unix_ms, producers(n)).item_id;
    }
    if (joinTranscript) g.appendToTranscript(threadId, id);
    return id;
  });
}

/**
 * Reconciles an `inference_request` payload's `input` into conversation items and returns
 * `request_item_ids`. Items in a request join the thread transcript.
 */
export function reconcileRequest(
  g: Graph,
  threadId: string,
  turnId: string,
  ev: RawTraceEvent,
  request: unknown,
  payloadId: string,
): string[] {
  const body = request as { input?: unknown; previous_response_id?: unknown } | null;
  if (body === null || typeof body !== "object" || !Array.isArray(body.input)) {
    throw new TraceRuleError(`inference request ${payloadId} has no input array`);
  }
  let ids: string[];
  const prev = body.previous_response_id;
  const prevCallId = typeof prev === "string" ? g.inferenceByResponseId.get(threadId, prev) : undefined;
  if (typeof prev === "string" && prevCallId === undefined) {
    // Codex's reducer fails here; a thread resumed from an earlier trace legitimately chains to a
    // response this bundle never saw, so Spool reduces the input as a full snapshot and says so.
    g.anomalies.push(
      `incremental inference request ${payloadId} referenced unknown previous_response_id ${prev}; reduced as a full request`,
    );
  }
  if (prevCallId !== undefined) {
    const prevCall = g.state.inference_calls.get(prevCallId)!;
    const prefix = [...prevCall.request_item_ids, ...prevCall.response_item_ids];
    for (const id of prefix) g.appendToTranscript(threadId, id);
    const added = reconcileAppend(
      g,
      threadId,
      turnId,
      ev,
      body.input,
      payloadId,
      prefix,
      (n) => requestProducers(g, threadId, n),
      true,
    );
    ids = [...prefix, ...added];
  } else {
    // After a compaction the next full request is compared with the installed replacement history,
    // so context Codex re-injects becomes new post-compaction items.
    const baseline = g.pendingReplacements.get(threadId) ?? g.snapshots.get(threadId) ?? [];
    g.pendingReplacements.delete(threadId);
    ids = reconcileFull(g, threadId, turnId, ev, body.input, payloadId, baseline, {
      joinTranscript: true,
      positional: true,
    });
  }
  g.snapshots.set(threadId, ids);
  return ids;
}

/** Reconciles a response's `output_items` append-only after the thread snapshot; returns their ids. */
export function reconcileResponse(
  g: Graph,
  threadId: string,
  turnId: string | null,
  ev: RawTraceEvent,
  outputItems: unknown[],
  payloadId: string,
  inferenceCallId: string,
): string[] {
  const snapshot = g.snapshots.get(threadId) ?? [];
  const ids = reconcileAppend(
    g,
    threadId,
    turnId,
    ev,
    outputItems,
    payloadId,
    snapshot,
    () => [{ type: "inference", inference_call_id: inferenceCallId }],
    false,
  );
  for (const id of ids) {
    if (!g.producingInference.has(id)) g.producingInference.set(id, inferenceCallId);
  }
  g.snapshots.set(threadId, [...snapshot, ...ids]);
  return ids;
}
