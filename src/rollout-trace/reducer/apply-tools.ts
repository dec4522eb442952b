import { TraceRuleError } from "../errors.js";
import type { CodeCellRuntimeStatus, ExecutionStatus, RawPayloadOf, RawTraceEvent } from "../schema.js";
import type { ToolCallRequester } from "../state-schema.js";
import { UNAVAILABLE, payloadOf, type EventPayloads } from "./apply-core.js";
import { closeWindow, openWindow, type Graph } from "./graph.js";

type Ev<T extends RawTraceEvent["payload"]["type"]> = RawTraceEvent & { payload: RawPayloadOf<T> };

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function applyToolCallStarted(g: Graph, ev: Ev<"tool_call_started">): void {
  const p = ev.payload;
  const threadId = ev.thread_id ?? (ev.codex_turn_id === null ? null : g.turn(ev.codex_turn_id).thread_id);
  if (threadId === null)
    throw new TraceRuleError("tool call start did not include thread or Codex turn context");
  g.thread(threadId);
  if (g.state.tool_calls.has(p.tool_call_id))
    throw new TraceRuleError(`duplicate tool call ${p.tool_call_id}`);
  let requester: ToolCallRequester = { type: "model" };
  if (p.requester.type === "code_cell") {
    const cellId = g.codeCellByRuntimeId.get(p.requester.runtime_cell_id);
    if (cellId === undefined) {
      throw new TraceRuleError(
        `tool call ${p.tool_call_id} was requested by unknown code cell ${p.requester.runtime_cell_id}`,
      );
    }
    requester = { type: "code_cell", code_cell_id: cellId };
    g.state.code_cells.get(cellId)!.nested_tool_call_ids.push(p.tool_call_id);
  }
  if (p.model_visible_call_id !== null) {
    const other = g.toolByVisibleCallId.get(threadId, p.model_visible_call_id);
    if (other !== undefined) {
      throw new TraceRuleError(
        `tool call ${p.tool_call_id} reuses model-visible call id ${p.model_visible_call_id} of ${other}`,
      );
    }
  }
  const tool = {
    tool_call_id: p.tool_call_id,
    mcp_call_id: null,
    model_visible_call_id: p.model_visible_call_id,
    code_mode_runtime_tool_id: p.code_mode_runtime_tool_id,
    thread_id: threadId,
    started_by_codex_turn_id: ev.codex_turn_id,
    execution: openWindow(ev),
    requester,
    kind: p.kind,
    model_visible_call_item_ids: [],
    model_visible_output_item_ids: [],
    terminal_operation_id: null,
    summary: p.summary,
    raw_invocation_payload_id: p.invocation_payload?.raw_payload_id ?? null,
    raw_result_payload_id: null,
    raw_runtime_payload_ids: [],
  };
  g.state.tool_calls.set(p.tool_call_id, tool);
  if (p.model_visible_call_id !== null) {
    g.toolByVisibleCallId.set(threadId, p.model_visible_call_id, p.tool_call_id);
    for (const itemId of g.itemsByCallId.get(threadId, p.model_visible_call_id) ?? []) {
      g.linkItemToTool(g.state.conversation_items.get(itemId)!, tool);
    }
  }
}

export function applyMcpCorrelation(g: Graph, ev: Ev<"mcp_tool_call_correlation_assigned">): void {
  const tool = g.toolCall(ev.payload.tool_call_id);
  if (tool.mcp_call_id === null) tool.mcp_call_id = ev.payload.mcp_call_id;
}

/** Schema 3: a `wait` tool call resolved to the code cell it waits on (spec v3 §8.2; not observed, rule inferred). */
export function applyWaitTargetResolved(g: Graph, ev: Ev<"code_cell_wait_target_resolved">): void {
  if (ev.thread_id === null) throw new TraceRuleError("confirmed wait missing thread");
  const p = ev.payload;
  g.toolCall(p.tool_call_id);
  const cell = codeCell(g, p.runtime_cell_id);
  if (!cell.wait_tool_call_ids.includes(p.tool_call_id)) cell.wait_tool_call_ids.push(p.tool_call_id);
}

export function applyStdinTargetResolved(g: Graph, ev: Ev<"stdin_target_resolved">): void {
  const p = ev.payload;
  if (!g.state.tool_calls.has(p.tool_call_id))
    throw new TraceRuleError(`stdin target referenced unknown call ${p.tool_call_id}`);
  if (!g.state.tool_calls.has(p.exec_tool_call_id)) {
    throw new TraceRuleError(`stdin target referenced unknown exec ${p.exec_tool_call_id}`);
  }
  g.stdinTargets.set(p.tool_call_id, p.exec_tool_call_id);
}

function terminalOf(g: Graph, toolCallId: string, threadId: string, processId: string | null): string | null {
  const exec = g.stdinTargets.get(toolCallId);
  if (exec !== undefined) {
    const opId = g.state.tool_calls.get(exec)?.terminal_operation_id;
    const terminal = opId ? g.state.terminal_operations.get(opId)?.terminal_id : null;
    if (!terminal) throw new TraceRuleError(`stdin target for ${toolCallId} referenced unknown session`);
    return terminal;
  }
  return processId === null ? null : (g.terminalByProcessId.get(threadId, processId) ?? null);
}

export function applyRuntimeStarted(
  g: Graph,
  ev: Ev<"tool_call_runtime_started">,
  payloads: EventPayloads,
): void {
  const p = ev.payload;
  const tool = g.toolCall(p.tool_call_id);
  tool.kind = p.kind;
  tool.raw_runtime_payload_ids.push(p.runtime_payload.raw_payload_id);
  if (p.kind.type !== "exec_command" && p.kind.type !== "write_stdin") return;
  if (tool.terminal_operation_id !== null) {
    throw new TraceRuleError(
      `tool call ${p.tool_call_id} already has terminal operation ${tool.terminal_operation_id}`,
    );
  }
  const beginValue = payloadOf(payloads, p.runtime_payload);
  // Schema 3, begin payload truncated or omitted: no terminal operation, the summary stays as started.
  if (beginValue === UNAVAILABLE) return;
  const begin = obj(beginValue);
  const processId = typeof begin.process_id === "string" ? begin.process_id : null;
  const operationId = g.nextOperationId();
  let terminalId: string | null;
  if (p.kind.type === "exec_command") {
    terminalId = processId === null ? null : `terminal_session:${operationId}`;
  } else {
    terminalId = terminalOf(g, p.tool_call_id, tool.thread_id, processId);
  }
  const command = Array.isArray(begin.command)
    ? begin.command.filter((c): c is string => typeof c === "string")
    : [];
  g.state.terminal_operations.set(operationId, {
    operation_id: operationId,
    terminal_id: terminalId,
    tool_call_id: p.tool_call_id,
    kind: p.kind.type,
    execution: openWindow(ev),
    request:
      p.kind.type === "exec_command"
        ? {
            type: "exec_command",
            command,
            display_command: command.join(" "),
            cwd: typeof begin.cwd === "string" ? begin.cwd : "",
            yield_time_ms: null,
            max_output_tokens: null,
          }
        : {
            type: "write_stdin",
            stdin: typeof begin.stdin === "string" ? begin.stdin : "",
            yield_time_ms: null,
            max_output_tokens: null,
          },
    result: null,
    model_observations: [],
    raw_payload_ids: [p.runtime_payload.raw_payload_id],
  });
  g.operationProcessIds.set(operationId, processId);
  if (terminalId !== null) {
    const session = g.state.terminal_sessions.get(terminalId);
    if (session) session.operation_ids.push(operationId);
    else {
      g.state.terminal_sessions.set(terminalId, {
        terminal_id: terminalId,
        thread_id: tool.thread_id,
        created_by_operation_id: operationId,
        operation_ids: [operationId],
        execution: openWindow(ev),
      });
      if (processId !== null) g.terminalByProcessId.set(tool.thread_id, processId, terminalId);
    }
  }
  tool.terminal_operation_id = operationId;
  tool.summary = { type: "terminal", operation_id: operationId };
}

export function applyRuntimeEnded(
  g: Graph,
  ev: Ev<"tool_call_runtime_ended">,
  payloads: EventPayloads,
): void {
  const p = ev.payload;
  const tool = g.toolCall(p.tool_call_id);
  const payloadId = p.runtime_payload.raw_payload_id;
  tool.raw_runtime_payload_ids.push(payloadId);
  if (tool.terminal_operation_id === null) return;
  const op = g.state.terminal_operations.get(tool.terminal_operation_id)!;
  op.raw_payload_ids.push(payloadId);
  const endValue = payloadOf(payloads, p.runtime_payload);
  if (endValue === UNAVAILABLE) {
    // Schema 3, end payload truncated or omitted: the operation ends without a result.
    closeWindow(op.execution, ev, p.status);
    return;
  }
  const end = obj(endValue);
  if (typeof end.exit_code !== "number" || !Number.isInteger(end.exit_code)) {
    throw new TraceRuleError(`parse exec terminal response ${payloadId}`);
  }
  const started = g.operationProcessIds.get(op.operation_id) ?? null;
  const processId = typeof end.process_id === "string" ? end.process_id : null;
  if (started !== null && processId !== null && started !== processId) {
    throw new TraceRuleError(
      `terminal operation ${op.operation_id} changed process id from ${started} to ${processId}`,
    );
  }
  closeWindow(op.execution, ev, p.status);
  op.result = {
    exit_code: end.exit_code,
    stdout: typeof end.aggregated_output === "string" ? end.aggregated_output : "",
    stderr: "",
    formatted_output: null,
    original_token_count: null,
    chunk_id: null,
  };
}

export function applyToolCallEnded(g: Graph, ev: Ev<"tool_call_ended">): void {
  const tool = g.toolCall(ev.payload.tool_call_id);
  closeWindow(tool.execution, ev, ev.payload.status);
  tool.raw_result_payload_id = ev.payload.result_payload?.raw_payload_id ?? null;
}

export function applyCodeCellStarted(g: Graph, ev: Ev<"code_cell_started">): void {
  const p = ev.payload;
  const threadId = ev.thread_id ?? (ev.codex_turn_id === null ? null : g.turn(ev.codex_turn_id).thread_id);
  if (threadId === null)
    throw new TraceRuleError("code cell start did not include thread or Codex turn context");
  if (g.codeCellByRuntimeId.has(p.runtime_cell_id))
    throw new TraceRuleError(`duplicate code cell ${p.runtime_cell_id}`);
  g.startCodeCell(
    {
      event: ev,
      runtimeCellId: p.runtime_cell_id,
      sourceJs: p.source_js,
      threadId,
      turnId: ev.codex_turn_id,
    },
    p.model_visible_call_id,
  );
}

const CELL_EXECUTION: Record<CodeCellRuntimeStatus, ExecutionStatus> = {
  starting: "running",
  running: "running",
  yielded: "running",
  completed: "completed",
  failed: "failed",
  terminated: "cancelled",
};

function codeCell(g: Graph, runtimeCellId: string) {
  const id = g.codeCellByRuntimeId.get(runtimeCellId);
  if (id === undefined) throw new TraceRuleError(`unknown code cell ${runtimeCellId}`);
  return g.state.code_cells.get(id)!;
}

export function applyCodeCellInitialResponse(g: Graph, ev: Ev<"code_cell_initial_response">): void {
  const p = ev.payload;
  const cell = codeCell(g, p.runtime_cell_id);
  cell.initial_response_at_unix_ms = ev.wall_time_unix_ms;
  cell.initial_response_seq = ev.seq;
  cell.initial_response_status = p.status;
  cell.raw_initial_response_payload_id = p.response_payload?.raw_payload_id ?? null;
  cell.runtime_status = p.status;
  if (p.status === "yielded") {
    cell.yielded_at_unix_ms = ev.wall_time_unix_ms;
    cell.yielded_seq = ev.seq;
  }
  const status = CELL_EXECUTION[p.status];
  if (status !== "running" && cell.execution.status === "running") closeWindow(cell.execution, ev, status);
}

export function applyCodeCellEnded(g: Graph, ev: Ev<"code_cell_ended">): void {
  const p = ev.payload;
  const cell = codeCell(g, p.runtime_cell_id);
  cell.runtime_status = p.status;
  cell.raw_result_payload_id = p.response_payload?.raw_payload_id ?? null;
  closeWindow(cell.execution, ev, CELL_EXECUTION[p.status]);
}
