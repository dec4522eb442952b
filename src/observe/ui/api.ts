import type {
  ApiSpan,
  BundleRef,
  SessionRow,
  SpanTreeView,
  StoreStats,
  ThreadView,
  TraceSummary,
  TurnPoint,
} from "../api-types.js";
import type { RolloutState } from "./rollout-types.js";

export type {
  ApiLog,
  ApiSpan,
  BundleRef,
  SessionRow,
  SpanTreeView,
  ThreadView,
  TraceSummary,
  TurnPoint,
} from "../api-types.js";

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path);
  const body = (await res.json()) as T | { error: string };
  if (!res.ok) throw new Error((body as { error: string }).error ?? `HTTP ${res.status}`);
  return body as T;
}

const enc = encodeURIComponent;

export interface RolloutResponse {
  bundle: BundleRef;
  anomalies: string[];
  state: RolloutState;
}

export const api = {
  sessions: (q: string, status: string) =>
    get<SessionRow[]>(`/api/sessions?q=${enc(q)}&status=${enc(status)}`),
  thread: (id: string) => get<ThreadView>(`/api/threads/${enc(id)}`),
  threadSpans: (id: string) => get<SpanTreeView>(`/api/threads/${enc(id)}/spans`),
  turns: (id: string) => get<TurnPoint[]>(`/api/threads/${enc(id)}/turns`),
  traces: () => get<TraceSummary[]>(`/api/traces`),
  trace: (id: string) => get<SpanTreeView>(`/api/traces/${enc(id)}`),
  /** One span with its attributes and links (tree views leave them out). */
  span: (traceId: string, spanId: string) => get<ApiSpan>(`/api/spans/${enc(traceId)}/${enc(spanId)}`),
  bundles: () => get<BundleRef[]>(`/api/bundles`),
  rollout: (path: string) => get<RolloutResponse>(`/api/rollout?bundle=${enc(path)}`),
  stats: () => get<StoreStats>(`/api/stats`),
};
