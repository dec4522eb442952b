import type { ApiSpan, TurnPoint } from "./api-types.js";
import type { ObserveStore } from "./store.js";

// A thread's turns as the charts plot them: one row per turn span, with time to first token.

export const nsDiffMs = (start: string, end: string) => Number(BigInt(end) - BigInt(start)) / 1e6;

/** The rows of the turns table that belong to a thread (its two `?` both take the thread id). */
export const THREAD_TURNS = `FROM turns WHERE (thread_id = ?
  OR (thread_id IS NULL AND trace_id IN (SELECT trace_id FROM trace_threads WHERE thread_id = ?)))`;

interface TurnRow {
  turn_id: string;
  thread_id: string | null;
  task: string;
  trace_id: string;
  span_id: string;
  model: string | null;
  status: string;
  start_ns: string;
  end_ns: string;
  input_tokens: number | null;
  cached_input_tokens: number | null;
  output_tokens: number | null;
  reasoning_output_tokens: number | null;
}

/** An event's name: Codex names span events after the call site and keeps the event in `event.name`. */
export function eventName(e: { name: string; attributes: Record<string, unknown> }): string {
  const n = e.attributes["event.name"];
  return typeof n === "string" ? n : e.name;
}

/** Time to first token of each turn, from `codex.turn_ttft` span events in its subtree or logs. */
function turnTtfts(store: ObserveStore, turns: TurnRow[]): Map<string, number> {
  const out = new Map<string, number>();
  const byTrace = new Map<string, TurnRow[]>();
  for (const t of turns) byTrace.set(t.trace_id, [...(byTrace.get(t.trace_id) ?? []), t]);
  for (const [traceId, list] of byTrace) {
    const parents = new Map<string, string>();
    for (const r of store
      .stmt("SELECT span_id, parent_span_id FROM spans WHERE trace_id = ?")
      .all(traceId) as {
      span_id: string;
      parent_span_id: string;
    }[]) {
      parents.set(r.span_id, r.parent_span_id);
    }
    const turnOf = (spanId: string): TurnRow | undefined => {
      for (let id: string | undefined = spanId, n = 0; id && n < 10_000; id = parents.get(id), n++) {
        const t = list.find((x) => x.span_id === id);
        if (t) return t;
      }
      return undefined;
    };
    const withEvents = store
      .stmt("SELECT span_id, events FROM spans WHERE trace_id = ? AND instr(events, 'codex.turn_ttft') > 0")
      .all(traceId) as { span_id: string; events: string }[];
    for (const r of withEvents) {
      const turn = turnOf(r.span_id);
      if (!turn || out.has(turn.turn_id)) continue;
      const ev = (JSON.parse(r.events) as ApiSpan["events"]).find((e) => eventName(e) === "codex.turn_ttft");
      const ms = Number(ev?.attributes.duration_ms);
      if (Number.isFinite(ms)) out.set(turn.turn_id, ms);
    }
    const logs = store
      .stmt(
        "SELECT span_id, turn_id, attributes FROM logs WHERE trace_id = ? AND event_name = 'codex.turn_ttft'",
      )
      .all(traceId) as { span_id: string; turn_id: string | null; attributes: string }[];
    for (const r of logs) {
      const turn = (r.turn_id ? list.find((t) => t.turn_id === r.turn_id) : undefined) ?? turnOf(r.span_id);
      if (!turn || out.has(turn.turn_id)) continue;
      const ms = Number((JSON.parse(r.attributes) as Record<string, unknown>).duration_ms);
      if (Number.isFinite(ms)) out.set(turn.turn_id, ms);
    }
  }
  return out;
}

/** A thread's turns in start order, with durations, tokens and time to first token. */
export function threadTurns(store: ObserveStore, threadId: string): TurnPoint[] {
  const rows = store
    .stmt(
      `SELECT turn_id, coalesce(thread_id, ?) AS thread_id, task, trace_id, span_id, model, status,
         CAST(start_ns AS TEXT) AS start_ns, CAST(end_ns AS TEXT) AS end_ns, input_tokens,
         cached_input_tokens, output_tokens, reasoning_output_tokens ${THREAD_TURNS}
       ORDER BY start_ns`,
    )
    .all(threadId, threadId, threadId) as TurnRow[];
  const ttft = turnTtfts(store, rows);
  return rows.map((r) => ({
    turnId: r.turn_id,
    threadId: r.thread_id,
    task: r.task,
    traceId: r.trace_id,
    spanId: r.span_id,
    model: r.model,
    status: r.status,
    startNs: r.start_ns,
    durationMs: nsDiffMs(r.start_ns, r.end_ns),
    ttftMs: ttft.get(r.turn_id) ?? null,
    inputTokens: r.input_tokens,
    cachedInputTokens: r.cached_input_tokens,
    outputTokens: r.output_tokens,
    reasoningOutputTokens: r.reasoning_output_tokens,
  }));
}
