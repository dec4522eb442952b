import { useEffect, useState } from "preact/hooks";
import { api } from "./api.js";
import { bytes, int, ms, short } from "./format.js";
import { href } from "./router.js";
import type {
  Compaction,
  ConversationItem,
  InferenceCall,
  InteractionEdge,
  RolloutState,
  ToolCall,
} from "./rollout-types.js";
import { useFetch } from "./use-fetch.js";

type Entry =
  | { at: number; kind: "item"; item: ConversationItem }
  | { at: number; kind: "inference"; call: InferenceCall }
  | { at: number; kind: "tool"; call: ToolCall }
  | { at: number; kind: "compaction"; compaction: Compaction };

const values = <T,>(o: Record<string, T> | undefined): T[] => Object.values(o ?? {});

function producer(item: ConversationItem): string {
  if (item.produced_by.length === 0) return item.role;
  return item.produced_by
    .map((p) => {
      switch (p.type) {
        case "inference":
          return `inference ${short(p.inference_call_id)}`;
        case "tool":
          return `tool ${short(p.tool_call_id, 14)}`;
        case "code_cell":
          return `code cell ${short(p.code_cell_id)}`;
        case "interaction_edge":
          return `agent edge ${short(p.edge_id)}`;
        case "compaction":
          return `compaction ${short(p.compaction_id)}`;
        default:
          return p.type.replace("_", " ");
      }
    })
    .join(", ");
}

function itemText(item: ConversationItem): string {
  const text = item.body.parts
    .map((p) => {
      switch (p.type) {
        case "text":
        case "summary":
          return p.text;
        case "code":
          return p.source;
        case "json":
          return p.summary;
        default:
          return `[${p.label}]`;
      }
    })
    .join(" ");
  return text.length > 280 ? `${text.slice(0, 280)}…` : text;
}

const duration = (e: { started_at_unix_ms: number; ended_at_unix_ms: number | null }) =>
  e.ended_at_unix_ms === null ? "running" : ms(e.ended_at_unix_ms - e.started_at_unix_ms);

function ItemRow({ item }: { item: ConversationItem }) {
  return (
    <li class={`rt-item role-${item.role}`} data-item-id={item.item_id}>
      <span class="rt-kind">
        {item.role} · {item.kind.replaceAll("_", " ")}
        {item.channel && ` · ${item.channel}`}
      </span>
      <span class="rt-producer">by {producer(item)}</span>
      <div class="rt-text">{itemText(item)}</div>
    </li>
  );
}

function InferenceRow({ call }: { call: InferenceCall }) {
  const u = call.usage;
  return (
    <li
      class={`rt-inference status-${call.execution.status}`}
      data-inference-id={call.inference_call_id}
      data-response-id={call.response_id ?? ""}
      data-upstream-request-id={call.upstream_request_id ?? ""}
    >
      <span class="rt-kind">
        inference · {call.model} · {call.execution.status} · {duration(call.execution)}
      </span>
      <dl>
        <dt>response_id</dt>
        <dd>
          <code class="response-id">{call.response_id ?? "–"}</code>
        </dd>
        <dt>upstream_request_id</dt>
        <dd>
          <code class="upstream-request-id">{call.upstream_request_id ?? "–"}</code>
        </dd>
        <dt>tokens</dt>
        <dd>
          {u
            ? `${int(u.input_tokens)} in (${int(u.cached_input_tokens)} cached) · ${int(u.output_tokens)} out (${int(u.reasoning_output_tokens)} reasoning)`
            : "–"}
        </dd>
        <dt>items</dt>
        <dd>
          {call.request_item_ids.length} sent · {call.response_item_ids.length} returned
          {call.tool_call_ids_started_by_response.length > 0 &&
            ` · started ${call.tool_call_ids_started_by_response.length} tool call(s)`}
        </dd>
      </dl>
    </li>
  );
}

function ToolRow({ call, state }: { call: ToolCall; state: RolloutState }) {
  const op = call.terminal_operation_id ? state.terminal_operations[call.terminal_operation_id] : undefined;
  const size = (s: string) => bytes(new TextEncoder().encode(s).length);
  return (
    <li class={`rt-tool status-${call.execution.status}`} data-tool-call-id={call.tool_call_id}>
      <span class="rt-kind">
        tool · {call.kind.type} · {call.execution.status} · {duration(call.execution)}
      </span>
      <span class="rt-producer">requested by {call.requester.type.replace("_", " ")}</span>
      {op && (
        <div class="rt-terminal" data-operation-id={op.operation_id}>
          <code>
            {op.request.type === "exec_command" ? op.request.display_command : `stdin: ${op.request.stdin}`}
          </code>
          <span class="note">
            {" "}
            {op.execution.status}
            {op.result &&
              ` · exit ${op.result.exit_code ?? "–"} · stdout ${size(op.result.stdout)} · stderr ${size(op.result.stderr)}`}
          </span>
        </div>
      )}
    </li>
  );
}

function EdgeRow({ edge }: { edge: InteractionEdge }) {
  return (
    <li class="rt-edge">
      {edge.kind.replaceAll("_", " ")} · {JSON.stringify(edge.source)} → {JSON.stringify(edge.target)} ·{" "}
      {edge.carried_item_ids.length} item(s)
    </li>
  );
}

function turnEntries(state: RolloutState, turnId: string): Entry[] {
  const out: Entry[] = [];
  for (const item of values(state.conversation_items)) {
    if (item.codex_turn_id === turnId) out.push({ at: item.first_seen_at_unix_ms, kind: "item", item });
  }
  for (const call of values(state.inference_calls)) {
    if (call.codex_turn_id === turnId)
      out.push({ at: call.execution.started_at_unix_ms, kind: "inference", call });
  }
  for (const call of values(state.tool_calls)) {
    if (call.started_by_codex_turn_id === turnId)
      out.push({ at: call.execution.started_at_unix_ms, kind: "tool", call });
  }
  for (const c of values(state.compactions)) {
    if (c.codex_turn_id === turnId)
      out.push({ at: c.installed_at_unix_ms, kind: "compaction", compaction: c });
  }
  const order = { item: 0, inference: 1, tool: 2, compaction: 3 };
  return out.sort((a, b) => a.at - b.at || order[a.kind] - order[b.kind]);
}

/** The reduced graph of a bundle: per thread, each turn as a timeline. */
function RolloutView({ state, focusTurn }: { state: RolloutState; focusTurn: string | null }) {
  useEffect(() => {
    if (focusTurn) document.getElementById(`turn-${focusTurn}`)?.scrollIntoView({ block: "start" });
  }, [focusTurn, state]);
  const threads = values(state.threads).sort(
    (a, b) => a.execution.started_at_unix_ms - b.execution.started_at_unix_ms,
  );
  return (
    <div class="rollout">
      {threads.map((t) => {
        const turns = values(state.codex_turns)
          .filter((u) => u.thread_id === t.thread_id)
          .sort((a, b) => a.execution.started_at_unix_ms - b.execution.started_at_unix_ms);
        return (
          <section class="rt-thread" key={t.thread_id} data-thread-id={t.thread_id}>
            <h2>
              {t.agent_path} <code>{t.thread_id}</code>
            </h2>
            <p class="note">
              {t.default_model ?? "–"} · {t.execution.status} · {duration(t.execution)} ·{" "}
              {t.conversation_item_ids.length} conversation items
              {t.origin.type === "spawned" &&
                ` · spawned by ${t.origin.parent_thread_id} (${t.origin.task_name})`}
            </p>
            {turns.map((u, i) => (
              <div
                key={u.codex_turn_id}
                id={`turn-${u.codex_turn_id}`}
                class={`turn${focusTurn === u.codex_turn_id ? " highlight" : ""}`}
                data-turn-id={u.codex_turn_id}
              >
                <h3>
                  Turn {i + 1} <code>{u.codex_turn_id}</code>{" "}
                  <span class={`badge ${u.execution.status}`}>{u.execution.status}</span>{" "}
                  <span class="note">{duration(u.execution)}</span>{" "}
                  <a class="trace-link" href={href(["thread", u.thread_id], { turn: u.codex_turn_id })}>
                    spans of this turn →
                  </a>
                </h3>
                <ol class="timeline">
                  {turnEntries(state, u.codex_turn_id).map((e, j) =>
                    e.kind === "item" ? (
                      <ItemRow key={j} item={e.item} />
                    ) : e.kind === "inference" ? (
                      <InferenceRow key={j} call={e.call} />
                    ) : e.kind === "tool" ? (
                      <ToolRow key={j} call={e.call} state={state} />
                    ) : (
                      <li key={j} class="rt-compaction">
                        compaction · {e.compaction.input_item_ids.length} items replaced by{" "}
                        {e.compaction.replacement_item_ids.length}
                      </li>
                    ),
                  )}
                </ol>
              </div>
            ))}
          </section>
        );
      })}
      {values(state.interaction_edges).length > 0 && (
        <section>
          <h2>Agent edges</h2>
          <ul>
            {values(state.interaction_edges).map((e) => (
              <EdgeRow key={e.edge_id} edge={e} />
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

/** `#/rollout?bundle=<dir>&turn=<id>`: open a bundle (from the trace roots, or by path) and show its graph. */
export function RolloutPage({ query }: { query: URLSearchParams }) {
  const bundle = query.get("bundle");
  const [path, setPath] = useState(bundle ?? "");
  const bundles = useFetch(() => api.bundles(), []);
  const reduced = useFetch(() => (bundle ? api.rollout(bundle) : Promise.resolve(undefined)), [bundle]);
  return (
    <section>
      <h1>Rollout</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          location.hash = href(["rollout"], { bundle: path.trim() });
        }}
      >
        <input
          type="text"
          name="bundle"
          placeholder="bundle directory, e.g. ~/.spool/rollout-traces/trace-…"
          value={path}
          onInput={(e) => setPath((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Open</button>
      </form>
      {!bundle && (
        <ul class="bundle-list">
          {bundles.data?.length === 0 && <li class="empty">No bundles under the configured trace roots.</li>}
          {bundles.data?.map((b) => (
            <li key={b.path}>
              <a href={href(["rollout"], { bundle: b.path })}>{b.path}</a>{" "}
              <span class="note">
                thread {short(b.rootThreadId, 13)} · {new Date(b.startedAtUnixMs).toLocaleString()}
              </span>
            </li>
          ))}
        </ul>
      )}
      {reduced.error && <p class="error">{reduced.error}</p>}
      {reduced.data && (
        <>
          <p class="note">
            {reduced.data.bundle.path} · trace {reduced.data.state.trace_id} · {reduced.data.state.status}
            {!reduced.data.state.recording_complete && " · recording incomplete"}
          </p>
          {reduced.data.anomalies.map((a) => (
            <p class="warning" key={a}>
              {a}
            </p>
          ))}
          <RolloutView state={reduced.data.state} focusTurn={query.get("turn")} />
        </>
      )}
    </section>
  );
}
