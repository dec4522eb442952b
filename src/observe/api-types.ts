/**
 * The viewer's HTTP API, as the pages see it (JSON). Times are nanoseconds since the epoch as
 * decimal strings (exact), durations are milliseconds (numbers). Shared by the server and the
 * page code, so it holds types only.
 */

export interface ApiSpanEvent {
  timeNs: string;
  name: string;
  attributes: Record<string, unknown>;
}

export interface ApiSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root. */
  parentSpanId: string;
  name: string;
  kind: number;
  statusCode: number;
  statusMessage: string;
  startNs: string;
  endNs: string;
  durationMs: number;
  attributes: Record<string, unknown>;
  events: ApiSpanEvent[];
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  scope: string;
  serviceName: string;
  threadId: string | null;
  turnId: string | null;
  /** Depth in the tree (roots 0); the list is in tree order. */
  depth: number;
  /** On the critical path of its root. */
  critical: boolean;
  /** Its parent is not in the store (not received, or in another trace). */
  orphan: boolean;
}

export interface ApiLog {
  timeNs: string;
  eventName: string;
  severityText: string;
  traceId: string;
  spanId: string;
  attributes: Record<string, unknown>;
  body: unknown;
}

export type TurnStatus = "completed" | "failed" | "interrupted" | string;

export interface SessionRow {
  threadId: string;
  clientName: string | null;
  serviceName: string;
  model: string | null;
  turns: number;
  failedTurns: number;
  interruptedTurns: number;
  inputTokens: number;
  outputTokens: number;
  startNs: string;
  endNs: string;
  durationMs: number;
  /** `failed` when any turn failed, else `interrupted` when any was, else `completed`. */
  status: TurnStatus;
  traceCount: number;
  spanCount: number;
  errorSpans: number;
}

export interface TraceSummary {
  traceId: string;
  rootName: string | null;
  startNs: string;
  endNs: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  serviceName: string;
  clientName: string | null;
  threadIds: string[];
}

export interface TurnPoint {
  turnId: string;
  threadId: string | null;
  task: string;
  traceId: string;
  spanId: string;
  model: string | null;
  status: TurnStatus;
  startNs: string;
  durationMs: number;
  /** From the turn's `codex.turn_ttft` event; null when none was recorded. */
  ttftMs: number | null;
  inputTokens: number | null;
  cachedInputTokens: number | null;
  outputTokens: number | null;
  reasoningOutputTokens: number | null;
}

export interface SpanTreeView {
  /** The trace, or every trace of the thread. */
  traceIds: string[];
  threadId: string | null;
  startNs: string;
  endNs: string;
  spans: ApiSpan[];
  /** Stored log records (timing and business events) of these traces. */
  logs: ApiLog[];
  /** More spans exist than were returned. */
  truncated: boolean;
}

export interface ThreadView {
  session: SessionRow;
  traces: TraceSummary[];
  turns: TurnPoint[];
  /** Rollout bundles (under the configured trace roots) that contain this thread. */
  bundles: BundleRef[];
}

export interface BundleRef {
  path: string;
  traceId: string;
  rootThreadId: string;
  startedAtUnixMs: number;
}

export interface StoreStats {
  path: string;
  spans: number;
  traces: number;
  threads: number;
  logs: number;
  metricPoints: number;
  usedBytes: number;
}
