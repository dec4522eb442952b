import type { ExecutionStatus } from "../schema.js";
import type { ReduceResult } from "./reduce-bundle.js";

/** An inference call, tool call or turn that did not complete. */
export interface AttentionEntry {
  id: string;
  status: ExecutionStatus;
  /** Inference calls only: the Responses `response.id` and the HTTP `x-request-id`. */
  response_id?: string | null;
  upstream_request_id?: string | null;
}

/** Counts of one kind of object by execution status, and the ones that need a look. */
export interface StatusCounts {
  total: number;
  by_status: Partial<Record<ExecutionStatus, number>>;
  /** Failed, cancelled and aborted ones (and running ones once the recording is complete), in seq order. */
  attention: AttentionEntry[];
}

/** What `spool debug trace-reduce` reports; also its `--json` output. */
export interface ReductionSummary {
  rollout_id: string;
  trace_id: string;
  status: string;
  /** A newline-terminated `recording_completed` was read (schema 3: `recording_status` is not `unclosed`). */
  recording_complete: boolean;
  /** Schema 3 only: `complete`, `unclosed` or `closed_with_partial_payloads`; null for schema 2. */
  recording_status: string | null;
  events: number;
  bytes_read: number;
  threads: number;
  turns: StatusCounts;
  conversation_items: number;
  inference_calls: StatusCounts;
  tool_calls: StatusCounts;
  terminal_operations: number;
  compactions: number;
  interaction_edges: number;
  anomalies: string[];
}

interface Executed {
  execution: { status: ExecutionStatus; started_seq: number };
}

function countByStatus<T extends Executed>(
  items: Iterable<T>,
  entry: (item: T) => AttentionEntry,
  recordingComplete: boolean,
): StatusCounts {
  const by_status: Partial<Record<ExecutionStatus, number>> = {};
  const flagged: [number, AttentionEntry][] = [];
  let total = 0;
  for (const item of items) {
    total++;
    const status = item.execution.status;
    by_status[status] = (by_status[status] ?? 0) + 1;
    // A call still running in a finished recording never got its end: worth a look too.
    if (status !== "completed" && (status !== "running" || recordingComplete)) {
      flagged.push([item.execution.started_seq, entry(item)]);
    }
  }
  flagged.sort((a, b) => a[0] - b[0]);
  return { total, by_status, attention: flagged.map(([, e]) => e) };
}

/** Counts and the objects that need attention, computed once from a reduction. */
export function summarizeReduction(result: ReduceResult): ReductionSummary {
  const s = result.state;
  const complete =
    s.recording_status === undefined ? s.recording_complete === true : s.recording_status !== "unclosed";
  return {
    rollout_id: s.rollout_id,
    trace_id: s.trace_id,
    status: s.status,
    recording_complete: complete,
    recording_status: s.recording_status ?? null,
    events: result.events,
    bytes_read: result.bytesRead,
    threads: s.threads.size,
    turns: countByStatus(
      s.codex_turns.values(),
      (t) => ({ id: t.codex_turn_id, status: t.execution.status }),
      complete,
    ),
    conversation_items: s.conversation_items.size,
    inference_calls: countByStatus(
      s.inference_calls.values(),
      (c) => ({
        id: c.inference_call_id,
        status: c.execution.status,
        response_id: c.response_id,
        upstream_request_id: c.upstream_request_id,
      }),
      complete,
    ),
    tool_calls: countByStatus(
      s.tool_calls.values(),
      (t) => ({ id: t.tool_call_id, status: t.execution.status }),
      complete,
    ),
    terminal_operations: s.terminal_operations.size,
    compactions: s.compactions.size,
    interaction_edges: s.interaction_edges.size,
    anomalies: [...result.anomalies],
  };
}

/** Lines listed per kind before "… and N more" (the full list is in `--json`). */
const ATTENTION_LINES = 10;

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function statusLine(label: string, c: StatusCounts): string {
  const order: ExecutionStatus[] = ["completed", "running", "failed", "cancelled", "aborted"];
  const parts = order.filter((st) => c.by_status[st]).map((st) => `${c.by_status[st]} ${st}`);
  return `${plural(c.total, label)}${parts.length > 0 ? `: ${parts.join(", ")}` : ""}`;
}

/** Indented lines, capped at {@link ATTENTION_LINES} with a count of the rest. */
function listCapped(lines: string[], out: string[]): void {
  for (const line of lines.slice(0, ATTENTION_LINES)) out.push(`    ${line}`);
  const more = lines.length - ATTENTION_LINES;
  if (more > 0) out.push(`    … and ${more} more (all of them with --json)`);
}

function attentionLines(c: StatusCounts, out: string[]): void {
  const lines = c.attention.map((e) => {
    const ids =
      e.upstream_request_id !== undefined
        ? ` (response_id ${e.response_id ?? "none"}, upstream_request_id ${e.upstream_request_id ?? "none"})`
        : "";
    return `${e.status.padEnd(9)} ${e.id}${ids}`;
  });
  listCapped(lines, out);
}

function recordingWords(sum: ReductionSummary): string {
  if (sum.recording_status === "closed_with_partial_payloads") return "complete with partial payloads";
  return sum.recording_complete ? "complete" : "incomplete";
}

/**
 * The summary for a terminal: counts per status, then the few objects that need attention and
 * any anomaly Spool reduced through; short however big the bundle is.
 */
export function formatSummary(sum: ReductionSummary): string {
  const out = [
    `Rollout ${sum.rollout_id} (trace ${sum.trace_id}): ${sum.status}, recording ${recordingWords(sum)}, ${plural(sum.events, "event")}`,
    `  ${plural(sum.threads, "thread")}, ${statusLine("turn", sum.turns)}, ${plural(sum.conversation_items, "conversation item")}`,
  ];
  attentionLines(sum.turns, out);
  out.push(`  ${statusLine("inference call", sum.inference_calls)}`);
  attentionLines(sum.inference_calls, out);
  out.push(`  ${statusLine("tool call", sum.tool_calls)}`);
  attentionLines(sum.tool_calls, out);
  out.push(
    `  ${plural(sum.terminal_operations, "terminal operation")}, ${plural(sum.compactions, "compaction")}, ${plural(sum.interaction_edges, "interaction edge")}`,
  );
  if (sum.anomalies.length > 0) {
    out.push(`  ${sum.anomalies.length} ${sum.anomalies.length === 1 ? "anomaly" : "anomalies"}:`);
    listCapped(sum.anomalies, out);
  }
  return out.join("\n");
}
