import { TraceRuleError } from "../errors.js";
import type {
  AnyPayloadRef,
  ExecutionStatus,
  Manifest,
  RawTraceEvent,
  RolloutStatus,
  TraceSchemaVersion,
} from "../schema.js";
import type {
  AgentThread,
  CodeCell,
  CodexTurn,
  Compaction,
  CompactionRequest,
  ConversationItem,
  ExecutionWindow,
  InferenceCall,
  InteractionEdge,
  ProducerRef,
  TerminalOperation,
  TerminalSession,
  ToolCall,
} from "../state-schema.js";
import type { NormalizedItem } from "./items.js";

/** Schema 3's `recording_status` (spec v3 §10.1). */
export type RecordingStatus = "complete" | "unclosed" | "closed_with_partial_payloads";

/** The reduced state while replaying: output maps (serialized sorted) plus internal indexes. */
export interface ReducedState {
  schema_version: TraceSchemaVersion;
  trace_id: string;
  rollout_id: string;
  started_at_unix_ms: number;
  ended_at_unix_ms: number | null;
  status: RolloutStatus;
  /** Schema 2 only (Codex 0.169); `undefined` members are not serialized. */
  recording_complete: boolean | undefined;
  /** Schema 3 only (Codex 0.171), in the same position. */
  recording_status: RecordingStatus | undefined;
  root_thread_id: string;
  threads: Map<string, AgentThread>;
  codex_turns: Map<string, CodexTurn>;
  conversation_items: Map<string, ConversationItem>;
  inference_calls: Map<string, InferenceCall>;
  code_cells: Map<string, CodeCell>;
  tool_calls: Map<string, ToolCall>;
  terminal_sessions: Map<string, TerminalSession>;
  terminal_operations: Map<string, TerminalOperation>;
  compactions: Map<string, Compaction>;
  compaction_requests: Map<string, CompactionRequest>;
  interaction_edges: Map<string, InteractionEdge>;
  raw_payloads: Map<string, AnyPayloadRef>;
}

/** A two-level index `outer → inner → value`. */
class Index2<V> {
  private readonly m = new Map<string, Map<string, V>>();
  get(a: string, b: string): V | undefined {
    return this.m.get(a)?.get(b);
  }
  set(a: string, b: string, v: V): void {
    let inner = this.m.get(a);
    if (!inner) this.m.set(a, (inner = new Map()));
    inner.set(b, v);
  }
  delete(a: string, b: string): void {
    this.m.get(a)?.delete(b);
  }
  *values(): IterableIterator<V> {
    for (const inner of this.m.values()) yield* inner.values();
  }
}

interface PendingCodeCell {
  event: RawTraceEvent;
  runtimeCellId: string;
  sourceJs: string;
  threadId: string;
  turnId: string | null;
}

/** The replay graph: the output state and the indexes rules need to find things in it. */
export class Graph {
  readonly state: ReducedState;
  /** Anomalies that Codex's reducer would reject but Spool reduces through (named in the summary). */
  readonly anomalies: string[] = [];

  private itemCounter = 0;
  private operationCounter = 0;

  /** thread → ordered item ids of the last model-facing payload. */
  readonly snapshots = new Map<string, string[]>();
  private readonly transcriptSets = new Map<string, Set<string>>();
  /** thread → Responses item id → conversation items carrying it (content may differ). */
  private readonly byResponsesId = new Index2<ConversationItem[]>();
  /**
   * thread → Responses item id → its first acceptance. Codex applies an acceptance to every item
   * with that id, those already reduced and those reduced later, so it is never consumed.
   */
  private readonly acceptances = new Index2<{ at: number; seq: number }>();
  /**
   * thread → replacement history of the last installed compaction, the baseline of the thread's
   * next full request (and only that one); the thread snapshot itself is left as it was.
   */
  readonly pendingReplacements = new Map<string, string[]>();
  /** thread → call_id → conversation items carrying it. */
  readonly itemsByCallId = new Index2<string[]>();
  /** thread → model-visible call id → tool call id. */
  readonly toolByVisibleCallId = new Index2<string>();
  /** thread → response_id → inference call id. */
  readonly inferenceByResponseId = new Index2<string>();
  /** conversation item → inference call that produced it. */
  readonly producingInference = new Map<string, string>();
  readonly inferencesByTurn = new Map<string, string[]>();
  readonly codeCellsByTurn = new Map<string, string[]>();
  readonly codeCellByRuntimeId = new Map<string, string>();
  /** thread → model-visible call id → code cell start waiting for its `custom_tool_call` item. */
  readonly pendingCodeCells = new Index2<PendingCodeCell>();
  readonly operationProcessIds = new Map<string, string | null>();
  /** thread → process id → terminal id. */
  readonly terminalByProcessId = new Index2<string>();
  readonly stdinTargets = new Map<string, string>();
  readonly compactionRequestIds = new Map<string, string[]>();

  constructor(manifest: Manifest) {
    const v3 = manifest.schema_version === 3;
    this.state = {
      schema_version: v3 ? 3 : 2,
      trace_id: manifest.trace_id,
      rollout_id: manifest.rollout_id,
      started_at_unix_ms: manifest.started_at_unix_ms,
      ended_at_unix_ms: null,
      status: "running",
      recording_complete: v3 ? undefined : false,
      recording_status: v3 ? "unclosed" : undefined,
      root_thread_id: manifest.root_thread_id,
      threads: new Map(),
      codex_turns: new Map(),
      conversation_items: new Map(),
      inference_calls: new Map(),
      code_cells: new Map(),
      tool_calls: new Map(),
      terminal_sessions: new Map(),
      terminal_operations: new Map(),
      compactions: new Map(),
      compaction_requests: new Map(),
      interaction_edges: new Map(),
      raw_payloads: new Map(),
    };
  }

  thread(id: string): AgentThread {
    const t = this.state.threads.get(id);
    if (!t) throw new TraceRuleError(`unknown thread ${id}`);
    return t;
  }

  turn(id: string): CodexTurn {
    const t = this.state.codex_turns.get(id);
    if (!t) throw new TraceRuleError(`unknown Codex turn ${id}`);
    return t;
  }

  toolCall(id: string): ToolCall {
    const t = this.state.tool_calls.get(id);
    if (!t) throw new TraceRuleError(`unknown tool call ${id}`);
    return t;
  }

  nextOperationId(): string {
    return `terminal_operation:${++this.operationCounter}`;
  }

  /** Puts an item in its thread's transcript (each id once; ordered at the end, see {@link sortTranscripts}). */
  appendToTranscript(threadId: string, itemId: string): void {
    let seen = this.transcriptSets.get(threadId);
    if (!seen) this.transcriptSets.set(threadId, (seen = new Set()));
    if (seen.has(itemId)) return;
    seen.add(itemId);
    this.thread(threadId).conversation_item_ids.push(itemId);
  }

  /**
   * Codex lists a thread's transcript in item creation order, not in the order items joined it
   * (a late acceptance of an old answer puts it back before newer items; observed on 0.169).
   */
  sortTranscripts(): void {
    const ordinal = (id: string): number => Number(id.slice(id.lastIndexOf(":") + 1));
    for (const t of this.state.threads.values())
      t.conversation_item_ids.sort((a, b) => ordinal(a) - ordinal(b));
  }

  /** `history_item_accepted`: remembered for the id (first wins) and applied to every item carrying it. */
  /** Whether a conversation item with this Responses item id exists in the thread. */
  hasResponsesItem(threadId: string, responsesItemId: string): boolean {
    return (this.byResponsesId.get(threadId, responsesItemId)?.length ?? 0) > 0;
  }

  acceptResponsesItem(threadId: string, responsesItemId: string, at: number, seq: number): void {
    let acceptance = this.acceptances.get(threadId, responsesItemId);
    if (acceptance === undefined) {
      acceptance = { at, seq };
      this.acceptances.set(threadId, responsesItemId, acceptance);
    }
    for (const item of this.byResponsesId.get(threadId, responsesItemId) ?? []) {
      this.accept(item, acceptance.at, acceptance.seq);
    }
  }

  /** Records an acceptance on an item (the first acceptance wins) and adds it to the transcript. */
  private accept(item: ConversationItem, at: number, seq: number): void {
    if (item.accepted_seq === undefined) {
      item.accepted_at_unix_ms = at;
      item.accepted_seq = seq;
    }
    this.appendToTranscript(item.thread_id, item.item_id);
  }

  /** A reused item seen again: an item without Responses id takes the one this sighting carries. */
  sighted(item: ConversationItem, n: NormalizedItem): void {
    if (item.responses_item_id === undefined && n.responsesItemId !== undefined) {
      item.responses_item_id = n.responsesItemId;
      this.indexResponsesId(item);
    }
  }

  private indexResponsesId(item: ConversationItem): void {
    const rid = item.responses_item_id!;
    const list = this.byResponsesId.get(item.thread_id, rid);
    if (list) list.push(item);
    else this.byResponsesId.set(item.thread_id, rid, [item]);
    const acceptance = this.acceptances.get(item.thread_id, rid);
    if (acceptance) this.accept(item, acceptance.at, acceptance.seq);
  }

  /** Creates a conversation item and links it to what is already known (acceptances, tools, code cells). */
  createItem(
    n: NormalizedItem,
    threadId: string,
    turnId: string | null,
    at: number,
    producedBy: ProducerRef[],
  ): ConversationItem {
    const id = `conversation_item:${++this.itemCounter}`;
    const item: ConversationItem = {
      item_id: id,
      responses_item_id: n.responsesItemId,
      accepted_at_unix_ms: undefined,
      accepted_seq: undefined,
      thread_id: threadId,
      codex_turn_id: turnId,
      first_seen_at_unix_ms: at,
      role: n.role,
      channel: n.channel,
      kind: n.kind,
      agent_message: n.agentMessage,
      body: { parts: n.parts },
      call_id: n.callId,
      produced_by: producedBy,
    };
    this.state.conversation_items.set(id, item);
    if (n.responsesItemId !== undefined) this.indexResponsesId(item);
    if (n.callId !== null) this.linkCallItem(item, n.callId);
    return item;
  }

  private linkCallItem(item: ConversationItem, callId: string): void {
    const threadId = item.thread_id;
    const list = this.itemsByCallId.get(threadId, callId);
    if (list) list.push(item.item_id);
    else this.itemsByCallId.set(threadId, callId, [item.item_id]);

    const toolId = this.toolByVisibleCallId.get(threadId, callId);
    if (toolId !== undefined) this.linkItemToTool(item, this.toolCall(toolId));

    if (item.kind === "custom_tool_call") {
      const pending = this.pendingCodeCells.get(threadId, callId);
      if (pending) {
        this.pendingCodeCells.delete(threadId, callId);
        this.openCodeCell(pending, callId, item.item_id);
      }
    }
    if (item.kind === "custom_tool_call_output") {
      const cell = this.state.code_cells.get(`code_cell:${callId}`);
      if (cell && cell.thread_id === threadId && !cell.output_item_ids.includes(item.item_id)) {
        cell.output_item_ids.push(item.item_id);
      }
    }
  }

  /** Links a call or output item to its tool call (both directions). */
  linkItemToTool(item: ConversationItem, tool: ToolCall): void {
    const isOutput = item.kind === "function_call_output" || item.kind === "custom_tool_call_output";
    if (isOutput) {
      if (!tool.model_visible_output_item_ids.includes(item.item_id)) {
        tool.model_visible_output_item_ids.push(item.item_id);
      }
      if (!item.produced_by.some((p) => p.type === "tool" && p.tool_call_id === tool.tool_call_id)) {
        item.produced_by.push({ type: "tool", tool_call_id: tool.tool_call_id });
      }
      return;
    }
    if (!tool.model_visible_call_item_ids.includes(item.item_id))
      tool.model_visible_call_item_ids.push(item.item_id);
    const inferenceId = this.producingInference.get(item.item_id);
    const call = inferenceId === undefined ? undefined : this.state.inference_calls.get(inferenceId);
    if (call && !call.tool_call_ids_started_by_response.includes(tool.tool_call_id)) {
      call.tool_call_ids_started_by_response.push(tool.tool_call_id);
    }
  }

  /** Queues or opens a code cell (it needs its `custom_tool_call` source item). */
  startCodeCell(pending: PendingCodeCell, modelVisibleCallId: string): void {
    const source = this.itemsByCallId
      .get(pending.threadId, modelVisibleCallId)
      ?.find((id) => this.state.conversation_items.get(id)?.kind === "custom_tool_call");
    if (source === undefined) this.pendingCodeCells.set(pending.threadId, modelVisibleCallId, pending);
    else this.openCodeCell(pending, modelVisibleCallId, source);
  }

  private openCodeCell(pending: PendingCodeCell, modelVisibleCallId: string, sourceItemId: string): void {
    const id = `code_cell:${modelVisibleCallId}`;
    if (this.state.code_cells.has(id)) throw new TraceRuleError(`duplicate code cell ${id}`);
    const outputs = (this.itemsByCallId.get(pending.threadId, modelVisibleCallId) ?? []).filter(
      (i) => this.state.conversation_items.get(i)?.kind === "custom_tool_call_output",
    );
    const turnId = pending.turnId ?? "";
    this.state.code_cells.set(id, {
      code_cell_id: id,
      model_visible_call_id: modelVisibleCallId,
      thread_id: pending.threadId,
      codex_turn_id: turnId,
      source_item_id: sourceItemId,
      output_item_ids: outputs,
      runtime_cell_id: pending.runtimeCellId,
      execution: openWindow(pending.event),
      runtime_status: "starting",
      initial_response_at_unix_ms: null,
      initial_response_seq: null,
      initial_response_status: null,
      raw_initial_response_payload_id: null,
      raw_result_payload_id: null,
      yielded_at_unix_ms: null,
      yielded_seq: null,
      source_js: pending.sourceJs,
      nested_tool_call_ids: [],
      wait_tool_call_ids: [],
    });
    this.codeCellByRuntimeId.set(pending.runtimeCellId, id);
    const list = this.codeCellsByTurn.get(turnId);
    if (list) list.push(id);
    else this.codeCellsByTurn.set(turnId, [id]);
  }
}

/** A new running execution window starting at `ev`. */
export function openWindow(ev: RawTraceEvent): ExecutionWindow {
  return {
    started_at_unix_ms: ev.wall_time_unix_ms,
    started_seq: ev.seq,
    ended_at_unix_ms: null,
    ended_seq: null,
    status: "running",
  };
}

/** Closes a window at `ev` with `status`. */
export function closeWindow(w: ExecutionWindow, ev: RawTraceEvent, status: ExecutionStatus): void {
  w.ended_at_unix_ms = ev.wall_time_unix_ms;
  w.ended_seq = ev.seq;
  w.status = status;
}
