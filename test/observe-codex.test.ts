import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SessionRow, SpanTreeView, ThreadView } from "../src/observe/index.js";
import { CODEX_FIXTURE, replayCodexOtlp, startTestObserveServer } from "./support/observe.js";

const manifest = JSON.parse(readFileSync(join(CODEX_FIXTURE, "bundle", "manifest.json"), "utf8")) as {
  root_thread_id: string;
};

test("a real Codex session's OTLP export shows as one thread with its turn, tokens, TTFT and rollout bundle", async () => {
  const server = await startTestObserveServer({ traceRoots: [CODEX_FIXTURE] });
  try {
    assert.deepEqual(await replayCodexOtlp(server.otlpUrl), [200, 200, 200, 200]);
    const get = async <T>(path: string) => (await (await fetch(`${server.uiUrl}api/${path}`)).json()) as T;

    const [session, ...others] = await get<SessionRow[]>("sessions");
    assert.equal(others.length, 0);
    assert.equal(session!.threadId, manifest.root_thread_id);
    assert.equal(session!.serviceName, "codex-app-server");
    assert.equal(session!.clientName, "spool_conformance");
    assert.equal(session!.model, "gpt-5.1-codex-mock");
    // The scripted model's usage for the two calls: 120 + 160 in, 18 + 12 out.
    assert.deepEqual(
      [session!.turns, session!.inputTokens, session!.outputTokens, session!.status],
      [1, 280, 30, "completed"],
    );

    const thread = await get<ThreadView>(`threads/${session!.threadId}`);
    const [turn] = thread.turns;
    assert.equal(turn!.task, "turn");
    assert.ok(
      turn!.ttftMs !== null && turn!.ttftMs > 0,
      "TTFT from Codex's codex.turn_ttft trace-safe event",
    );
    assert.deepEqual(
      thread.bundles.map((b) => b.rootThreadId),
      [session!.threadId],
    );

    const view = await get<SpanTreeView>(`traces/${turn!.traceId}`);
    const byId = new Map(view.spans.map((s) => [s.spanId, s]));
    const ancestry = (name: string) => {
      const out: string[] = [];
      for (let s = view.spans.find((x) => x.name === name); s; s = byId.get(s.parentSpanId))
        out.unshift(s.name);
      return out;
    };
    const path = ancestry("codex.process.spawn");
    const expected = [
      "turn/start",
      "op.dispatch.turn_input",
      "codex.turn_input",
      "session_task.turn",
      "run_turn",
      "exec_command",
      "unified_exec.exec_command",
      "codex.process.spawn",
    ];
    assert.deepEqual(
      path.filter((n) => expected.includes(n)),
      expected,
      `nesting: ${path.join(" > ")}`,
    );
    assert.ok(
      view.spans.filter((s) => expected.includes(s.name)).every((s) => s.critical),
      "the tool call is the turn's critical path",
    );
  } finally {
    await server.dispose();
  }
});

test("the rollout API reduces the bundle Codex wrote in the same session: both ids of each inference call", async () => {
  const server = await startTestObserveServer({ traceRoots: [CODEX_FIXTURE] });
  try {
    const res = await fetch(
      `${server.uiUrl}api/rollout?bundle=${encodeURIComponent(join(CODEX_FIXTURE, "bundle"))}`,
    );
    assert.equal(res.status, 200);
    const { state, anomalies } = (await res.json()) as {
      anomalies: string[];
      state: {
        inference_calls: Record<string, { response_id: string; upstream_request_id: string }>;
        root_thread_id: string;
      };
    };
    assert.deepEqual(anomalies, []);
    assert.equal(state.root_thread_id, manifest.root_thread_id);
    const calls = Object.values(state.inference_calls);
    assert.equal(calls.length, 2);
    for (const c of calls) {
      assert.match(c.response_id, /^resp_/);
      assert.match(c.upstream_request_id, /^req_/);
    }
    const bad = await fetch(`${server.uiUrl}api/rollout?bundle=${encodeURIComponent(server.dir)}`);
    assert.equal(bad.status, 404);
  } finally {
    await server.dispose();
  }
});
