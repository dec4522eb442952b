import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { SessionRow, SpanTreeView, ThreadView } from "../src/observe/index.js";
import { startObserveServer } from "../src/observe/index.js";
import { handshake, runTurn, startCoreSession } from "./support/core-server.js";
import { killSpawned } from "./support/spawned-servers.js";

after(killSpawned);

test("a Spool session with embedded defaults shows as a thread with its turn, tokens and its own rollout bundle", async () => {
  // No exporter configured: the app-server writes into SPOOL_HOME/observe.sqlite itself.
  const s = await startCoreSession({
    script: {
      responses: [
        {
          output: [{ type: "message", text: "hello there" }],
          usage: { input_tokens: 42, cached_tokens: 0, output_tokens: 7, reasoning_tokens: 0 },
        },
      ],
    },
  });
  await handshake(s);
  const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {});
  const { turnId } = await runTurn(s, thread.id, "hi");
  assert.equal(await s.stop(), 0);
  await s.model.close();
  const storePath = join(s.home, "observe.sqlite");
  assert.ok(existsSync(storePath));

  const server = await startObserveServer({
    storePath,
    otlpPort: 0,
    uiPort: 0,
    traceRoots: [s.traceRoot],
    retention: { maxAgeMs: 1e12, maxBytes: 1e12 },
  });
  try {
    const get = async <T>(path: string) => (await (await fetch(`${server.uiUrl}api/${path}`)).json()) as T;
    const [row] = await get<SessionRow[]>("sessions");
    assert.equal(row!.threadId, thread.id);
    assert.equal(row!.clientName, "spool_core_tests");
    assert.equal(row!.serviceName, "spool");
    assert.deepEqual([row!.turns, row!.inputTokens, row!.outputTokens, row!.status], [1, 42, 7, "completed"]);

    const view = await get<ThreadView>(`threads/${thread.id}`);
    assert.deepEqual(
      view.turns.map((t) => [t.turnId, t.task]),
      [[turnId, "turn"]],
    );
    assert.deepEqual(
      view.bundles.map((b) => b.rootThreadId),
      [thread.id],
      "the bundle core recorded under the trace root",
    );
    const spans = await get<SpanTreeView>(`threads/${thread.id}/spans`);
    const turn = spans.spans.find((x) => x.name === "session_task.turn")!;
    assert.equal(turn.turnId, turnId);
    const model = spans.spans.find((x) => x.name === "responses.stream_request")!;
    assert.ok(model.depth > turn.depth);

    const { state } = await get<{
      state: {
        codex_turns: Record<string, unknown>;
        inference_calls: Record<string, { response_id: string; upstream_request_id: string }>;
      };
    }>(`rollout?bundle=${encodeURIComponent(view.bundles[0]!.path)}`);
    assert.ok(turnId in state.codex_turns, "the trace's turn id is the rollout's turn id");
    const [call] = Object.values(state.inference_calls);
    assert.match(call!.response_id, /^resp_/);
    assert.match(call!.upstream_request_id, /^req_/);
  } finally {
    await server.close();
  }
});
