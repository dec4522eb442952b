import { useState } from "preact/hooks";
import { api } from "./api.js";
import { int, ms, short, when } from "./format.js";
import { href } from "./router.js";
import { useFetch } from "./use-fetch.js";

/** One row per thread, newest first, with search and a status filter. */
export function SessionsPage() {
  const [q, setQ] = useState("");
  const [status, setStatus] = useState("");
  const sessions = useFetch(() => api.sessions(q, status), [q, status]);
  return (
    <section>
      <h1>Sessions</h1>
      <div class="toolbar">
        <input
          type="search"
          placeholder="Search thread, client, service, model"
          value={q}
          onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        />
        <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
          <option value="">any status</option>
          <option value="completed">completed</option>
          <option value="failed">failed</option>
          <option value="interrupted">interrupted</option>
        </select>
      </div>
      {sessions.error && <p class="error">{sessions.error}</p>}
      {sessions.data && sessions.data.length === 0 && (
        <p class="empty">
          No sessions yet. Run <code>npm start</code>, or point an OTLP exporter at this server's{" "}
          <code>/v1/traces</code>.
        </p>
      )}
      {sessions.data && sessions.data.length > 0 && (
        <table class="sessions">
          <thead>
            <tr>
              <th>thread</th>
              <th>client</th>
              <th>service</th>
              <th>model</th>
              <th class="num">turns</th>
              <th class="num">tokens in</th>
              <th class="num">tokens out</th>
              <th class="num">duration</th>
              <th>started</th>
              <th>status</th>
            </tr>
          </thead>
          <tbody>
            {sessions.data.map((s) => (
              <tr key={s.threadId} class={`status-${s.status}`} data-thread-id={s.threadId}>
                <td>
                  <a href={href(["thread", s.threadId])} title={s.threadId}>
                    {short(s.threadId, 13)}
                  </a>
                </td>
                <td>{s.clientName ?? "–"}</td>
                <td>{s.serviceName || "–"}</td>
                <td>{s.model ?? "–"}</td>
                <td class="num">{s.turns}</td>
                <td class="num">{int(s.inputTokens)}</td>
                <td class="num">{int(s.outputTokens)}</td>
                <td class="num">{ms(s.durationMs)}</td>
                <td>{when(s.startNs)}</td>
                <td>
                  <span class={`badge ${s.status}`}>{s.status}</span>
                  {s.failedTurns > 0 && <span class="note"> {s.failedTurns} failed</span>}
                  {s.interruptedTurns > 0 && <span class="note"> {s.interruptedTurns} interrupted</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
