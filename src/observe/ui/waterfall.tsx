import { useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ApiLog, ApiSpan, SpanTreeView } from "./api.js";
import { ms, offsetMs } from "./format.js";

const KIND = ["", "internal", "server", "client", "producer", "consumer"];

/** Codex names span events after their call site and keeps the event in `event.name`. */
export function eventLabel(e: { name: string; attributes: Record<string, unknown> }): string {
  const n = e.attributes["event.name"];
  return typeof n === "string" ? n : e.name;
}

type Mark = { timeNs: string; name: string; log: boolean };

/** Span events and stored log records (timing events) by the span they belong to. */
export function marksBySpan(view: SpanTreeView): Map<string, Mark[]> {
  const out = new Map<string, Mark[]>();
  const add = (spanId: string, m: Mark) => {
    let list = out.get(spanId);
    if (!list) out.set(spanId, (list = []));
    list.push(m);
  };
  for (const s of view.spans)
    for (const e of s.events) add(s.spanId, { timeNs: e.timeNs, name: eventLabel(e), log: false });
  for (const l of view.logs) if (l.spanId) add(l.spanId, { timeNs: l.timeNs, name: l.eventName, log: true });
  return out;
}

/** A tool call's timing event (`codex.tool_call`): time waiting at the parallel gate vs running. */
export interface ToolTiming {
  dispatchMs: number;
  handlerMs: number;
  totalMs: number;
}

/** `codex.tool_call` events by the span they were placed on. */
export function toolTimings(view: SpanTreeView): Map<string, ToolTiming> {
  const out = new Map<string, ToolTiming>();
  for (const l of view.logs) {
    if (l.eventName !== "codex.tool_call" || !l.spanId) continue;
    const [dispatchMs, handlerMs, totalMs] = [
      l.attributes.dispatch_duration_ms,
      l.attributes.handler_duration_ms,
      l.attributes.total_duration_ms,
    ].map(Number) as [number, number, number];
    if ([dispatchMs, handlerMs, totalMs].every(Number.isFinite))
      out.set(l.spanId, { dispatchMs, handlerMs, totalMs });
  }
  return out;
}

export interface WaterfallProps {
  view: SpanTreeView;
  selected: string | undefined;
  onSelect: (spanId: string) => void;
  /** Show only spans whose name contains this (case-insensitive), with their ancestors. */
  filter: string;
}

const ROW_PX = 22;
const OVERSCAN = 30;

/** The spans to list: all of them, or the matches of `filter` with every ancestor, in tree order. */
export function filterTree(spans: ApiSpan[], filter: string): ApiSpan[] {
  const needle = filter.trim().toLowerCase();
  if (needle === "") return spans;
  const byId = new Map(spans.map((s) => [`${s.traceId}/${s.spanId}`, s]));
  const keep = new Set<ApiSpan>();
  for (const s of spans) {
    if (!s.name.toLowerCase().includes(needle)) continue;
    for (let a: ApiSpan | undefined = s; a && !keep.has(a); a = byId.get(`${a.traceId}/${a.parentSpanId}`)) {
      keep.add(a);
    }
  }
  return spans.filter((s) => keep.has(s));
}

/**
 * The span waterfall: one row per span in tree order, bars to scale over the view's time range,
 * the critical path marked, span events and timing events as ticks on their span. Only the rows
 * in view (and a margin) are in the DOM, so a 5,000-span thread renders as fast as a small one.
 */
export function Waterfall({ view, selected, onSelect, filter }: WaterfallProps) {
  const total = Math.max(offsetMs(view.endNs, view.startNs), 1e-6);
  const marks = useMemo(() => marksBySpan(view), [view]);
  const tools = useMemo(() => toolTimings(view), [view]);
  const rows = useMemo(() => filterTree(view.spans, filter), [view, filter]);
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setHeight(el.clientHeight || 600);
    const index = rows.findIndex((s) => s.spanId === selected);
    // Bring the selected span into view when it is off screen (a link to a turn, a search).
    if (
      index >= 0 &&
      (index * ROW_PX < el.scrollTop || (index + 1) * ROW_PX > el.scrollTop + el.clientHeight)
    ) {
      el.scrollTop = Math.max(0, index * ROW_PX - el.clientHeight / 3);
      setScrollTop(el.scrollTop);
    }
  }, [rows, selected]);
  const first = Math.max(0, Math.floor(scrollTop / ROW_PX) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_PX) + OVERSCAN);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div class="waterfall" role="tree" data-spans={view.spans.length} data-rows={rows.length}>
      <div class="wf-head">
        <div class="wf-name">span</div>
        <div class="wf-axis">
          {ticks.map((t) => (
            <span key={t} style={{ left: `${t * 100}%` }}>
              {ms(total * t)}
            </span>
          ))}
        </div>
      </div>
      <div
        class="wf-scroll"
        ref={scroller}
        onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
      >
        <div class="wf-canvas" style={{ height: `${rows.length * ROW_PX}px` }}>
          {rows.slice(first, last).map((s, i) => {
            const left = (offsetMs(s.startNs, view.startNs) / total) * 100;
            const width = Math.max((s.durationMs / total) * 100, 0.15);
            const cls = [
              "wf-row",
              s.critical ? "critical" : "",
              s.statusCode === 2 ? "error" : "",
              s.spanId === selected ? "selected" : "",
            ].join(" ");
            return (
              <div
                key={`${s.traceId}/${s.spanId}`}
                class={cls}
                style={{ top: `${(first + i) * ROW_PX}px` }}
                role="treeitem"
                aria-level={s.depth + 1}
                data-span-id={s.spanId}
                data-depth={s.depth}
                data-name={s.name}
                onClick={() => onSelect(s.spanId)}
              >
                <div class="wf-name" style={{ paddingLeft: `${s.depth * 14 + 4}px` }} title={s.name}>
                  {s.name}
                  {s.kind > 1 && <span class="kind">{KIND[s.kind]}</span>}
                </div>
                <div class="wf-track">
                  <div class="wf-bar" style={{ left: `${left}%`, width: `${width}%` }}>
                    {tools.has(s.spanId) && <ToolSplit timing={tools.get(s.spanId)!} />}
                  </div>
                  <span class="wf-dur" style={{ left: `${Math.min(left + width, 92)}%` }}>
                    {ms(s.durationMs)}
                  </span>
                  {(marks.get(s.spanId) ?? []).map((m, k) => (
                    <span
                      key={k}
                      class={m.log ? "wf-mark log" : "wf-mark"}
                      data-event={m.name}
                      title={m.name}
                      style={{ left: `${(offsetMs(m.timeNs, view.startNs) / total) * 100}%` }}
                    />
                  ))}
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** The part of a tool span spent waiting to be admitted, shaded at the start of its bar. */
function ToolSplit({ timing }: { timing: ToolTiming }) {
  const share = timing.totalMs > 0 ? Math.min(timing.dispatchMs / timing.totalMs, 1) : 0;
  return (
    <span
      class="wf-dispatch"
      data-dispatch-ms={timing.dispatchMs}
      data-handler-ms={timing.handlerMs}
      title={`codex.tool_call: dispatch ${ms(timing.dispatchMs)} · handler ${ms(timing.handlerMs)}`}
      style={{ width: `${share * 100}%` }}
    />
  );
}

function Value({ v }: { v: unknown }) {
  return <code>{typeof v === "string" ? v : JSON.stringify(v)}</code>;
}

function Attributes({ attrs }: { attrs: Record<string, unknown> }) {
  const entries = Object.entries(attrs).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p class="empty">none</p>;
  return (
    <table class="attrs">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>
              <Value v={v} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The selected span: ids, timing, attributes, events and the log records recorded on it. */
export function SpanDetail(props: {
  span: ApiSpan;
  view: SpanTreeView;
  logs: ApiLog[];
  rolloutHref?: string;
}) {
  const { span, view } = props;
  return (
    <aside id="span-detail" class="detail" data-span-id={span.spanId}>
      <h2>{span.name}</h2>
      <dl>
        <dt>trace</dt>
        <dd>
          <code>{span.traceId}</code>
        </dd>
        <dt>span</dt>
        <dd>
          <code>{span.spanId}</code>{" "}
          {span.parentSpanId && (
            <>
              parent <code>{span.parentSpanId}</code>
            </>
          )}
          {span.orphan && <span class="note"> (parent not stored)</span>}
        </dd>
        <dt>timing</dt>
        <dd>
          +{ms(offsetMs(span.startNs, view.startNs))}, {ms(span.durationMs)}
          {span.critical && <span class="badge critical">critical path</span>}
        </dd>
        <dt>kind · status</dt>
        <dd>
          {KIND[span.kind] || "unspecified"} · {["unset", "ok", "error"][span.statusCode] ?? span.statusCode}
          {span.statusMessage && `: ${span.statusMessage}`}
        </dd>
        <dt>service · scope</dt>
        <dd>
          {span.serviceName || "–"} · {span.scope || "–"}
        </dd>
      </dl>
      {props.rolloutHref && (
        <p>
          <a class="rollout-link" href={props.rolloutHref}>
            Open this turn in the rollout view →
          </a>
        </p>
      )}
      <h3>Attributes</h3>
      <Attributes attrs={span.attributes} />
      <h3>Events</h3>
      {span.events.length === 0 && props.logs.length === 0 && <p class="empty">none</p>}
      {span.events.map((e, i) => (
        <div class="event" key={`e${i}`}>
          <strong>{eventLabel(e)}</strong> <span class="note">+{ms(offsetMs(e.timeNs, span.startNs))}</span>
          <Attributes attrs={e.attributes} />
        </div>
      ))}
      {props.logs.map((l, i) => (
        <div class="event log" key={`l${i}`}>
          <strong>{l.eventName}</strong>{" "}
          <span class="note">log · +{ms(offsetMs(l.timeNs, span.startNs))}</span>
          <Attributes attrs={l.attributes} />
        </div>
      ))}
    </aside>
  );
}
