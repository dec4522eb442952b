import type { ReduceResult } from "./reduce-bundle.js";

/**
 * One paragraph for a terminal: threads, turns, inference calls with both ids, tool calls,
 * status and any anomalies Spool reduced through.
 */
export function summarizeReduction(result: ReduceResult): string {
  const s = result.state;
  const n = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`;
  const calls = [...s.inference_calls.values()]
    .sort((a, b) => a.execution.started_seq - b.execution.started_seq)
    .map(
      (c) =>
        `${c.inference_call_id} ${c.execution.status} (response_id ${c.response_id ?? "none"}, upstream_request_id ${c.upstream_request_id ?? "none"})`,
    );
  const toolStatuses = new Map<string, number>();
  for (const t of s.tool_calls.values()) {
    toolStatuses.set(t.execution.status, (toolStatuses.get(t.execution.status) ?? 0) + 1);
  }
  const tools = [...toolStatuses.entries()].map(([status, count]) => `${count} ${status}`).join(", ");
  const parts = [
    `Rollout ${s.rollout_id} (trace ${s.trace_id}): status ${s.status}, recording ${s.recording_complete ? "complete" : "incomplete"}, ${n(result.events, "event")}.`,
    `${n(s.threads.size, "thread")}, ${n(s.codex_turns.size, "turn")}, ${n(s.conversation_items.size, "conversation item")}.`,
    `${n(s.inference_calls.size, "inference call")}${calls.length > 0 ? `: ${calls.join("; ")}` : ""}.`,
    `${n(s.tool_calls.size, "tool call")}${tools ? ` (${tools})` : ""}, ${n(s.terminal_operations.size, "terminal operation")}, ${n(s.compactions.size, "compaction")}, ${n(s.interaction_edges.size, "interaction edge")}.`,
  ];
  if (result.anomalies.length > 0) parts.push(`Anomalies: ${result.anomalies.join("; ")}.`);
  return parts.join(" ");
}
