import { RolloutPage } from "./rollout-page.js";
import { useRoute } from "./router.js";
import { SessionsPage } from "./sessions.js";
import { ThreadPage, TracePage, TracesPage } from "./trace-page.js";

export function App() {
  const { parts, query } = useRoute();
  const [page = "", id] = parts;
  let body;
  if (page === "thread" && id) body = <ThreadPage key={id} threadId={id} query={query} />;
  else if (page === "trace" && id) body = <TracePage key={id} traceId={id} query={query} />;
  else if (page === "traces") body = <TracesPage />;
  else if (page === "rollout") body = <RolloutPage query={query} />;
  else body = <SessionsPage />;
  return (
    <>
      <header>
        <a class="brand" href="#/">
          Spool observe
        </a>
        <nav>
          <a href="#/" class={page === "" || page === "thread" ? "active" : ""}>
            Sessions
          </a>
          <a href="#/traces" class={page === "traces" || page === "trace" ? "active" : ""}>
            Traces
          </a>
          <a href="#/rollout" class={page === "rollout" ? "active" : ""}>
            Rollout
          </a>
        </nav>
      </header>
      <main>{body}</main>
    </>
  );
}
