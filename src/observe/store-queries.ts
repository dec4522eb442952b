import type { ApiLog, ApiSpan, SessionRow, SpanTreeView, StoreStats, TraceSummary } from "./api-types.js";
import type { ObserveStore } from "./store.js";
import { THREAD_TURNS, nsDiffMs } from "./store-turns.js";
import { placeTimingLogs } from "./timing-placement.js";

export { eventName, threadTurns } from "./store-turns.js";
import { orderTree } from "./trace-tree.js";

/** Spans returned for one trace or thread view at most. */
export const MAX_VIEW_SPANS = 20_000;

interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  name: string;
  kind: number;
  status_code: number;
  status_message: string;
  start_ns: string;
  end_ns: string;
  attributes: string;
  events: string;
  links: string;
  scope: string;
  service_name: string;
  thread_id: string | null;
  turn_id: string | null;
}

/** Columns for list views: attributes and links are left out (the detail API has them). */
const SUMMARY_COLUMNS = `s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.status_code, s.status_message,
  CAST(s.start_ns AS TEXT) AS start_ns, CAST(s.end_ns AS TEXT) AS end_ns, '{}' AS attributes, s.events, '[]' AS links,
  s.scope, r.service_name, s.thread_id, s.turn_id`;

const SPAN_COLUMNS = `s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.status_code, s.status_message,
  CAST(s.start_ns AS TEXT) AS start_ns, CAST(s.end_ns AS TEXT) AS end_ns, s.attributes, s.events, s.links,
  s.scope, r.service_name, s.thread_id, s.turn_id`;

function toApiSpans(rows: SpanRow[]): ApiSpan[] {
  const input = rows.map((r) => ({
    row: r,
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    startNs: BigInt(r.start_ns),
    endNs: BigInt(r.end_ns),
  }));
  return orderTree(input).map(({ span: { row: r }, depth, critical, orphan }) => ({
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    name: r.name,
    kind: r.kind,
    statusCode: r.status_code,
    statusMessage: r.status_message,
    startNs: r.start_ns,
    endNs: r.end_ns,
    durationMs: nsDiffMs(r.start_ns, r.end_ns),
    attributes: JSON.parse(r.attributes) as Record<string, unknown>,
    events: JSON.parse(r.events) as ApiSpan["events"],
    links: JSON.parse(r.links) as ApiSpan["links"],
    scope: r.scope,
    serviceName: r.service_name,
    threadId: r.thread_id,
    turnId: r.turn_id,
    depth,
    critical,
    orphan,
  }));
}

interface LogRow {
  time_ns: string;
  event_name: string;
  severity_text: string;
  trace_id: string;
  span_id: string;
  attributes: string;
  body: string | null;
}

function toApiLogs(rows: LogRow[]): ApiLog[] {
  return rows.map((r) => ({
    timeNs: r.time_ns,
    eventName: r.event_name,
    severityText: r.severity_text,
    traceId: r.trace_id,
    spanId: r.span_id,
    attributes: JSON.parse(r.attributes) as Record<string, unknown>,
    body: r.body === null ? null : (JSON.parse(r.body) as unknown),
  }));
}

/** Options of the tree views. */
export interface TreeViewOptions {
  /** Include each span's attributes and links (default true); list pages leave them out. */
  details?: boolean;
}

function treeView(
  store: ObserveStore,
  traceIds: string[],
  threadId: string | null,
  options: TreeViewOptions,
): SpanTreeView {
  const placeholders = traceIds.map(() => "?").join(",");
  const rows = store.db
    .prepare(
      `SELECT ${options.details === false ? SUMMARY_COLUMNS : SPAN_COLUMNS} FROM spans s JOIN resources r ON r.id = s.resource_id
       WHERE s.trace_id IN (${placeholders}) ORDER BY s.start_ns LIMIT ?`,
    )
    .all(...traceIds, MAX_VIEW_SPANS + 1) as SpanRow[];
  const truncated = rows.length > MAX_VIEW_SPANS;
  if (truncated) rows.length = MAX_VIEW_SPANS;
  const logs = store.db
    .prepare(
      `SELECT CAST(time_ns AS TEXT) AS time_ns, event_name, severity_text, trace_id, span_id, attributes, body
       FROM logs WHERE trace_id IN (${placeholders}) ORDER BY time_ns LIMIT ?`,
    )
    .all(...traceIds, MAX_VIEW_SPANS) as LogRow[];
  let start: string | undefined;
  let end: string | undefined;
  for (const r of rows) {
    if (start === undefined || BigInt(r.start_ns) < BigInt(start)) start = r.start_ns;
    if (end === undefined || BigInt(r.end_ns) > BigInt(end)) end = r.end_ns;
  }
  const apiLogs = toApiLogs(logs);
  placeTimingLogs(store, apiLogs);
  return {
    traceIds,
    threadId,
    startNs: start ?? "0",
    endNs: end ?? "0",
    spans: toApiSpans(rows),
    logs: apiLogs,
    truncated,
  };
}

/** Every stored span of one trace, in tree order; undefined when the trace is unknown. */
export function traceView(
  store: ObserveStore,
  traceId: string,
  options: TreeViewOptions = {},
): SpanTreeView | undefined {
  const known = store.stmt("SELECT 1 FROM traces WHERE trace_id = ?").get(traceId);
  if (!known) return undefined;
  const thread = store.stmt("SELECT thread_id FROM trace_threads WHERE trace_id = ? LIMIT 1").get(traceId) as
    { thread_id: string } | undefined;
  return treeView(store, [traceId], thread?.thread_id ?? null, options);
}

/** The trace ids that carry spans or logs of a thread, oldest first. */
export function threadTraceIds(store: ObserveStore, threadId: string): string[] {
  const rows = store
    .stmt(
      `SELECT tt.trace_id FROM trace_threads tt JOIN traces t ON t.trace_id = tt.trace_id
       WHERE tt.thread_id = ? ORDER BY t.start_ns`,
    )
    .all(threadId) as { trace_id: string }[];
  return rows.map((r) => r.trace_id);
}

/** Every stored span of every trace of a thread, in tree order. */
export function threadView(
  store: ObserveStore,
  threadId: string,
  options: TreeViewOptions = {},
): SpanTreeView | undefined {
  const ids = threadTraceIds(store, threadId);
  return ids.length === 0 ? undefined : treeView(store, ids, threadId, options);
}

/** One span, or undefined. */
export function spanById(store: ObserveStore, traceId: string, spanId: string): ApiSpan | undefined {
  const row = store
    .stmt(
      `SELECT ${SPAN_COLUMNS} FROM spans s JOIN resources r ON r.id = s.resource_id
       WHERE s.trace_id = ? AND s.span_id = ?`,
    )
    .get(traceId, spanId) as SpanRow | undefined;
  return row ? toApiSpans([row])[0] : undefined;
}

export interface SessionQuery {
  /** Case-insensitive substring of the thread id, client, service or model. */
  search?: string;
  status?: string;
  limit?: number;
}

interface ThreadAggRow {
  thread_id: string;
  start_ns: string;
  end_ns: string;
  spans: number;
  errors: number;
  traces: number;
  client_name: string | null;
  service_name: string;
}

function sessionRow(store: ObserveStore, agg: ThreadAggRow): SessionRow {
  const turns = threadTurnsSummary(store, agg.thread_id);
  const serviceTag = store
    .stmt(
      `SELECT v FROM (SELECT json_extract(attributes, '$.service_name') AS v FROM logs WHERE thread_id = ?
         UNION ALL SELECT json_extract(attributes, '$.service_name') FROM spans WHERE thread_id = ?)
       WHERE v IS NOT NULL LIMIT 1`,
    )
    .get(agg.thread_id, agg.thread_id) as { v: string } | undefined;
  const model =
    turns.model ??
    (
      store
        .stmt(
          `SELECT json_extract(attributes, '$.model') AS v FROM spans WHERE thread_id = ? AND v IS NOT NULL LIMIT 1`,
        )
        .get(agg.thread_id) as { v: string } | undefined
    )?.v ??
    null;
  return {
    threadId: agg.thread_id,
    clientName: agg.client_name,
    serviceName: serviceTag?.v ?? agg.service_name,
    model,
    turns: turns.count,
    failedTurns: turns.failed,
    interruptedTurns: turns.interrupted,
    inputTokens: turns.input,
    outputTokens: turns.output,
    startNs: agg.start_ns,
    endNs: agg.end_ns,
    durationMs: nsDiffMs(agg.start_ns, agg.end_ns),
    status: turns.failed > 0 ? "failed" : turns.interrupted > 0 ? "interrupted" : "completed",
    traceCount: agg.traces,
    spanCount: agg.spans,
    errorSpans: agg.errors,
  };
}

function threadTurnsSummary(store: ObserveStore, threadId: string) {
  const r = store
    .stmt(
      `SELECT count(*) AS count, coalesce(sum(status = 'failed'), 0) AS failed,
         coalesce(sum(status = 'interrupted'), 0) AS interrupted,
         coalesce(sum(input_tokens), 0) AS input, coalesce(sum(output_tokens), 0) AS output ${THREAD_TURNS}`,
    )
    .get(threadId, threadId) as {
    count: number;
    failed: number;
    interrupted: number;
    input: number;
    output: number;
  };
  const latest = store
    .stmt(`SELECT model ${THREAD_TURNS} AND model IS NOT NULL ORDER BY start_ns DESC LIMIT 1`)
    .get(threadId, threadId) as { model: string } | undefined;
  return { ...r, model: latest?.model ?? null };
}

const THREAD_AGG = `SELECT tt.thread_id, CAST(min(t.start_ns) AS TEXT) AS start_ns, CAST(max(t.end_ns) AS TEXT) AS end_ns,
    sum(t.span_count) AS spans, sum(t.error_count) AS errors, count(*) AS traces,
    max(t.client_name) AS client_name, max(t.service_name) AS service_name
  FROM trace_threads tt JOIN traces t ON t.trace_id = tt.trace_id`;

/** One row per thread, most recent first, filtered by `search` and `status`. */
export function listSessions(store: ObserveStore, query: SessionQuery = {}): SessionRow[] {
  const limit = Math.min(Math.max(query.limit ?? 200, 1), 1000);
  const aggs = store
    .stmt(`${THREAD_AGG} GROUP BY tt.thread_id ORDER BY max(t.end_ns) DESC LIMIT 5000`)
    .all() as ThreadAggRow[];
  const needle = query.search?.trim().toLowerCase() ?? "";
  const out: SessionRow[] = [];
  for (const agg of aggs) {
    const row = sessionRow(store, agg);
    if (query.status && row.status !== query.status) continue;
    if (needle !== "") {
      const hay = [row.threadId, row.clientName, row.serviceName, row.model].join(" ").toLowerCase();
      if (!hay.includes(needle)) continue;
    }
    out.push(row);
    if (out.length >= limit) break;
  }
  return out;
}

/** The session row of one thread, or undefined. */
export function sessionById(store: ObserveStore, threadId: string): SessionRow | undefined {
  const agg = store.stmt(`${THREAD_AGG} WHERE tt.thread_id = ? GROUP BY tt.thread_id`).get(threadId) as
    ThreadAggRow | undefined;
  return agg ? sessionRow(store, agg) : undefined;
}

interface TraceRow {
  trace_id: string;
  root_name: string | null;
  start_ns: string;
  end_ns: string;
  span_count: number;
  error_count: number;
  service_name: string;
  client_name: string | null;
  thread_ids: string | null;
}

const TRACE_SUMMARY = `SELECT t.trace_id, t.root_name, CAST(t.start_ns AS TEXT) AS start_ns, CAST(t.end_ns AS TEXT) AS end_ns,
    t.span_count, t.error_count, t.service_name, t.client_name,
    (SELECT group_concat(thread_id, ' ') FROM trace_threads tt WHERE tt.trace_id = t.trace_id) AS thread_ids
  FROM traces t`;

function toTraceSummary(r: TraceRow): TraceSummary {
  return {
    traceId: r.trace_id,
    rootName: r.root_name,
    startNs: r.start_ns,
    endNs: r.end_ns,
    durationMs: nsDiffMs(r.start_ns, r.end_ns),
    spanCount: r.span_count,
    errorCount: r.error_count,
    serviceName: r.service_name,
    clientName: r.client_name,
    threadIds: r.thread_ids ? r.thread_ids.split(" ") : [],
  };
}

/** The most recent traces (with or without a thread). */
export function listTraces(store: ObserveStore, limit = 100): TraceSummary[] {
  const rows = store
    .stmt(`${TRACE_SUMMARY} ORDER BY t.start_ns DESC LIMIT ?`)
    .all(Math.min(limit, 1000)) as TraceRow[];
  return rows.map(toTraceSummary);
}

/** The traces of one thread, oldest first. */
export function threadTraces(store: ObserveStore, threadId: string): TraceSummary[] {
  const rows = store
    .stmt(
      `${TRACE_SUMMARY} WHERE t.trace_id IN (SELECT trace_id FROM trace_threads WHERE thread_id = ?) ORDER BY t.start_ns`,
    )
    .all(threadId) as TraceRow[];
  return rows.map(toTraceSummary);
}

/** What an id names: a stored trace, a thread, or nothing. */
export function resolveId(store: ObserveStore, id: string): "trace" | "thread" | undefined {
  if (store.stmt("SELECT 1 FROM traces WHERE trace_id = ?").get(id.toLowerCase())) return "trace";
  if (store.stmt("SELECT 1 FROM trace_threads WHERE thread_id = ? LIMIT 1").get(id)) return "thread";
  return undefined;
}

export function storeStats(store: ObserveStore, path: string): StoreStats {
  const count = (table: string) =>
    (store.stmt(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    path,
    spans: count("spans"),
    traces: count("traces"),
    threads: (store.stmt("SELECT count(DISTINCT thread_id) AS n FROM trace_threads").get() as { n: number })
      .n,
    logs: count("logs"),
    metricPoints: count("metric_points"),
    usedBytes: store.usedBytes(),
  };
}
