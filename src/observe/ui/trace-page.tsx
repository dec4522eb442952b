import { useMemo, useState } from "preact/hooks";
import { api, type BundleRef, type SpanTreeView, type ThreadView } from "./api.js";
import { TurnCharts } from "./charts.js";
import { int, ms, short, when } from "./format.js";
import { href } from "./router.js";
import { useFetch } from "./use-fetch.js";
import { SpanDetail, Waterfall } from "./waterfall.js";

const TURN_SPAN = /^session_task\./;

function initialSelection(
  view: SpanTreeView,
  spanId: string | null,
  turnId: string | null,
): string | undefined {
  if (spanId && view.spans.some((s) => s.spanId === spanId)) return spanId;
  if (turnId) return view.spans.find((s) => s.turnId === turnId && TURN_SPAN.test(s.name))?.spanId;
  return undefined;
}

/** A waterfall with the selected span's detail beside it. */
function SpanTree(props: {
  view: SpanTreeView;
  bundles: BundleRef[];
  spanId: string | null;
  turnId: string | null;
}) {
  const { view } = props;
  const [selected, setSelected] = useState(() => initialSelection(view, props.spanId, props.turnId));
  const [filter, setFilter] = useState("");
  const listed = view.spans.find((s) => s.spanId === selected);
  const full = useFetch(
    () => (listed ? api.span(listed.traceId, listed.spanId) : Promise.resolve(undefined)),
    [listed],
  );
  // The tree has no attributes: show the span at once and its attributes when they arrive.
  const span =
    listed && full.data?.spanId === listed.spanId
      ? { ...listed, attributes: full.data.attributes, links: full.data.links }
      : listed;
  const logs = useMemo(() => view.logs.filter((l) => l.spanId === selected), [view, selected]);
  const bundle = props.bundles[0];
  const rolloutHref =
    span?.turnId && bundle ? href(["rollout"], { bundle: bundle.path, turn: span.turnId }) : undefined;
  return (
    <div class="tree-layout">
      <div class="tree-main">
        <div class="toolbar">
          <input
            type="search"
            class="span-filter"
            placeholder="Find spans by name (their ancestors stay)"
            value={filter}
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          />
          <span class="note">
            {view.spans.length} spans
            {view.truncated && " (the first ones only)"}
            <span class="legend critical">critical path</span>
            <span class="legend error">error</span>
            <span class="legend timing">timing event (hatched: tool call waiting to run)</span>
          </span>
        </div>
        <Waterfall view={view} selected={selected} onSelect={setSelected} filter={filter} />
      </div>
      {span ? (
        <SpanDetail span={span} view={view} logs={logs} rolloutHref={rolloutHref} />
      ) : (
        <aside class="detail empty">Click a span for its attributes and events.</aside>
      )}
    </div>
  );
}

function ThreadSummary({ thread }: { thread: ThreadView }) {
  const s = thread.session;
  return (
    <dl class="summary">
      <dt>client</dt>
      <dd>{s.clientName ?? "–"}</dd>
      <dt>service</dt>
      <dd>{s.serviceName || "–"}</dd>
      <dt>model</dt>
      <dd>{s.model ?? "–"}</dd>
      <dt>turns</dt>
      <dd>
        {s.turns} <span class={`badge ${s.status}`}>{s.status}</span>
      </dd>
      <dt>tokens</dt>
      <dd>
        {int(s.inputTokens)} in · {int(s.outputTokens)} out
      </dd>
      <dt>duration</dt>
      <dd>
        {ms(s.durationMs)} from {when(s.startNs)}
      </dd>
      <dt>rollout</dt>
      <dd>
        {thread.bundles.length === 0 && <span class="note">no bundle under the trace roots</span>}
        {thread.bundles.map((b) => (
          <a key={b.path} class="bundle-link" href={href(["rollout"], { bundle: b.path })}>
            {b.path}
          </a>
        ))}
      </dd>
    </dl>
  );
}

/** `#/thread/<id>`: the thread's summary, the waterfall of all its traces, and its charts. */
export function ThreadPage(props: { threadId: string; query: URLSearchParams }) {
  const { threadId, query } = props;
  const thread = useFetch(() => api.thread(threadId), [threadId]);
  const spans = useFetch(() => api.threadSpans(threadId), [threadId]);
  const tab = query.get("tab") ?? "trace";
  const error = thread.error ?? spans.error;
  return (
    <section>
      <h1>
        Thread <code>{threadId}</code>
      </h1>
      {error && <p class="error">{error}</p>}
      {thread.data && <ThreadSummary thread={thread.data} />}
      <nav class="tabs">
        <a class={tab === "trace" ? "active" : ""} href={href(["thread", threadId])}>
          Trace
        </a>
        <a class={tab === "charts" ? "active" : ""} href={href(["thread", threadId], { tab: "charts" })}>
          Charts
        </a>
        <a class={tab === "traces" ? "active" : ""} href={href(["thread", threadId], { tab: "traces" })}>
          Traces ({thread.data?.traces.length ?? "…"})
        </a>
      </nav>
      {tab === "charts" && thread.data && <TurnCharts turns={thread.data.turns} />}
      {tab === "traces" && thread.data && (
        <ul class="trace-list">
          {thread.data.traces.map((t) => (
            <li key={t.traceId}>
              <a href={href(["trace", t.traceId])}>{t.rootName ?? short(t.traceId, 16)}</a>{" "}
              <span class="note">
                {t.spanCount} spans · {ms(t.durationMs)}
                {t.errorCount > 0 && ` · ${t.errorCount} errors`}
              </span>
            </li>
          ))}
        </ul>
      )}
      {tab === "trace" && spans.data && thread.data && (
        <SpanTree
          key={threadId}
          view={spans.data}
          bundles={thread.data.bundles}
          spanId={query.get("span")}
          turnId={query.get("turn")}
        />
      )}
    </section>
  );
}

/** `#/trace/<id>`: one trace's waterfall. */
export function TracePage(props: { traceId: string; query: URLSearchParams }) {
  const view = useFetch(() => api.trace(props.traceId), [props.traceId]);
  const threadId = view.data?.threadId ?? null;
  const thread = useFetch(() => (threadId ? api.thread(threadId) : Promise.resolve(undefined)), [threadId]);
  return (
    <section>
      <h1>
        Trace <code>{props.traceId}</code>
      </h1>
      {view.error && <p class="error">{view.error}</p>}
      {threadId && (
        <p>
          Thread <a href={href(["thread", threadId])}>{threadId}</a>
        </p>
      )}
      {view.data && !thread.loading && (
        <SpanTree
          key={props.traceId}
          view={view.data}
          bundles={thread.data?.bundles ?? []}
          spanId={props.query.get("span")}
          turnId={props.query.get("turn")}
        />
      )}
    </section>
  );
}

/** `#/traces`: the most recent traces, including those that belong to no thread. */
export function TracesPage() {
  const traces = useFetch(() => api.traces(), []);
  return (
    <section>
      <h1>Recent traces</h1>
      {traces.error && <p class="error">{traces.error}</p>}
      <table class="sessions">
        <thead>
          <tr>
            <th>root span</th>
            <th>trace</th>
            <th>service</th>
            <th class="num">spans</th>
            <th class="num">duration</th>
            <th>started</th>
          </tr>
        </thead>
        <tbody>
          {traces.data?.map((t) => (
            <tr key={t.traceId} class={t.errorCount > 0 ? "status-failed" : ""}>
              <td>{t.rootName ?? "(root not received)"}</td>
              <td>
                <a href={href(["trace", t.traceId])}>
                  <code>{short(t.traceId, 16)}</code>
                </a>
              </td>
              <td>{t.serviceName}</td>
              <td class="num">{t.spanCount}</td>
              <td class="num">{ms(t.durationMs)}</td>
              <td>{when(t.startNs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
