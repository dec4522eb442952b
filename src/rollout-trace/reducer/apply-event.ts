import { TraceRuleError } from "../errors.js";
import type { RawTraceEvent } from "../schema.js";
import {
  applyHistoryItemAccepted,
  applyInferenceEnded,
  applyInferenceStarted,
  applyThreadEnded,
  applyThreadResumed,
  applyThreadStarted,
  applyTurnEnded,
  applyTurnStarted,
  type EventPayloads,
} from "./apply-core.js";
import {
  applyCodeCellEnded,
  applyCodeCellInitialResponse,
  applyCodeCellStarted,
  applyMcpCorrelation,
  applyRuntimeEnded,
  applyRuntimeStarted,
  applyStdinTargetResolved,
  applyToolCallEnded,
  applyWaitTargetResolved,
  applyToolCallStarted,
} from "./apply-tools.js";
import {
  applyAgentResult,
  applyCompactionInstalled,
  applyCompactionRequestCompleted,
  applyCompactionRequestFailed,
  applyCompactionRequestStarted,
} from "./apply-agents.js";
import type { Graph } from "./graph.js";

// One trace event applied to the graph, by its type; and what is derived once all are applied.

/** Applies one validated event (its payloads already loaded). */
export function apply(g: Graph, ev: RawTraceEvent, payloads: EventPayloads): void {
  const p = ev.payload;
  const e = ev as never;
  switch (p.type) {
    case "rollout_started":
      g.state.trace_id = p.trace_id;
      g.state.root_thread_id = p.root_thread_id;
      return;
    case "rollout_ended":
      g.state.status = p.status;
      g.state.ended_at_unix_ms = ev.wall_time_unix_ms;
      return;
    case "recording_completed":
      return;
    case "thread_started":
      return applyThreadStarted(g, e, payloads);
    case "thread_ended":
      return applyThreadEnded(g, e);
    case "thread_resumed":
      return applyThreadResumed(g, e);
    case "codex_turn_started":
      return applyTurnStarted(g, e);
    case "codex_turn_ended":
      return applyTurnEnded(g, e);
    case "history_item_accepted":
      return applyHistoryItemAccepted(g, e, payloads);
    case "inference_started":
      return applyInferenceStarted(g, e, payloads);
    case "inference_completed":
    case "inference_failed":
    case "inference_cancelled":
      return applyInferenceEnded(g, e, payloads);
    case "tool_call_started":
      return applyToolCallStarted(g, e);
    case "mcp_tool_call_correlation_assigned":
      return applyMcpCorrelation(g, e);
    case "stdin_target_resolved":
      return applyStdinTargetResolved(g, e);
    case "code_cell_wait_target_resolved":
      return applyWaitTargetResolved(g, e);
    case "tool_call_runtime_started":
      return applyRuntimeStarted(g, e, payloads);
    case "tool_call_runtime_ended":
      return applyRuntimeEnded(g, e, payloads);
    case "tool_call_ended":
      return applyToolCallEnded(g, e);
    case "code_cell_started":
      return applyCodeCellStarted(g, e);
    case "code_cell_initial_response":
      return applyCodeCellInitialResponse(g, e);
    case "code_cell_ended":
      return applyCodeCellEnded(g, e);
    case "compaction_request_started":
      return applyCompactionRequestStarted(g, e);
    case "compaction_request_completed":
      return applyCompactionRequestCompleted(g, e);
    case "compaction_request_failed":
      return applyCompactionRequestFailed(g, e);
    case "compaction_installed":
      return applyCompactionInstalled(g, e, payloads);
    case "agent_result_observed":
      return applyAgentResult(g, e);
    case "protocol_event_observed":
      return;
    case "other":
      throw new TraceRuleError("raw trace event has no reducer implementation");
  }
}

/** Terminal observations mirror their tool call's model-visible items (computed once, at the end). */
export function finish(g: Graph): void {
  for (const op of g.state.terminal_operations.values()) {
    const tool = g.state.tool_calls.get(op.tool_call_id)!;
    if (tool.requester.type === "model") {
      if (tool.model_visible_call_item_ids.length > 0 || tool.model_visible_output_item_ids.length > 0) {
        op.model_observations = [
          {
            call_item_ids: [...tool.model_visible_call_item_ids],
            output_item_ids: [...tool.model_visible_output_item_ids],
            source: "direct_tool_call",
          },
        ];
      }
    } else {
      const cell = g.state.code_cells.get(tool.requester.code_cell_id);
      if (cell) {
        op.model_observations = [
          {
            call_item_ids: [cell.source_item_id],
            output_item_ids: [...cell.output_item_ids],
            source: "code_cell_output",
          },
        ];
      }
    }
  }
}
