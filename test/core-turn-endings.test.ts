import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ModelScriptInput } from "../src/model-server/index.js";
import { killSpawned } from "./support/spawned-servers.js";
import {
  bundleOf,
  handshake,
  startCoreSession,
  startOtlpReceiver,
  type CoreSession,
  type CoreSessionOptions,
} from "./support/core-server.js";

after(killSpawned);

interface TraceLine {
  payload: {
    type: string;
    upstream_request_id?: string | null;
    response_id?: string | null;
    status?: string;
  };
}

function events(bundle: string): TraceLine["payload"][] {
  return readFileSync(join(bundle, "trace.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => (JSON.parse(l) as TraceLine).payload);
}

const TERMINAL = new Set(["inference_completed", "inference_failed", "inference_cancelled"]);

interface Ending {
  s: CoreSession;
  threadId: string;
  turnId: string;
  status: string;
  turn: Record<string, unknown>;
  turnSpans: { attributes: Record<string, unknown>; status: { code?: number }; endTimeUnixNano: string }[];
  terminal: TraceLine["payload"][];
  interruptedAtMs?: number;
  completedAtMs: number;
}

/** Runs one turn to its end (optionally interrupting it), stops the server, and collects the evidence. */
async function endTurn(
  options: CoreSessionOptions & { script: ModelScriptInput },
  interrupt?: (s: CoreSession, threadId: string, turnId: string) => Promise<void>,
): Promise<Ending> {
  const receiver = await startOtlpReceiver();
  const s = await startCoreSession({ ...options, receiver });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {});
    const { turn } = await s.rpc.request<{ turn: { id: string } }>("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "go" }],
    });
    let interruptedAtMs: number | undefined;
    if (interrupt) {
      await interrupt(s, thread.id, turn.id);
      interruptedAtMs = Date.now();
      await s.rpc.request("turn/interrupt", { threadId: thread.id, turnId: turn.id });
    }
    const done = await s.waitFor((n) => n.method === "turn/completed");
    const completedAtMs = Date.now();
    assert.equal(await s.stop(), 0);
    const spans = await receiver.waitForSpans(
      (all) => all.some((x) => x.name === "session_task.turn"),
      10_000,
    );
    const completed = done.params.turn as Record<string, unknown>;
    return {
      s,
      threadId: thread.id,
      turnId: turn.id,
      status: completed.status as string,
      turn: completed,
      turnSpans: spans.filter((x) => x.name === "session_task.turn" && x.attributes["turn.id"] === turn.id),
      terminal: events(bundleOf(s.traceRoot, thread.id)).filter((e) => TERMINAL.has(e.type)),
      interruptedAtMs,
      completedAtMs,
    };
  } finally {
    await s.model.close();
    await receiver.close();
  }
}

test("a completed turn ends its span once, and the bundle records response and request ids", async () => {
  const e = await endTurn({ script: { responses: [{ output: [{ type: "message", text: "done" }] }] } });
  assert.equal(e.status, "completed");
  assert.equal(e.turnSpans.length, 1);
  assert.notEqual(e.turnSpans[0]!.status.code, 2);
  const logged = e.s.model.requests[0]!;
  assert.deepEqual(
    e.terminal.map((t) => [t.type, t.response_id, t.upstream_request_id]),
    [["inference_completed", logged.response_id, logged.x_request_id]],
  );
});

test("an interrupt mid-stream ends the turn interrupted; the inference is cancelled with its x-request-id", async () => {
  const e = await endTurn(
    {
      script: {
        responses: [{ output: [{ type: "message", text: "a slow answer ".repeat(40) }], event_delay_ms: 40 }],
      },
    },
    async (s) => {
      await s.waitFor((n) => n.method === "item/agentMessage/delta");
    },
  );
  assert.equal(e.status, "interrupted");
  assert.deepEqual(e.turn.items, []);
  assert.equal(e.turnSpans.length, 1);
  assert.equal(e.turnSpans[0]!.attributes["codex.turn.token_usage.total_tokens"], undefined);
  const logged = e.s.model.requests[0]!;
  assert.ok(logged.x_request_id);
  assert.deepEqual(
    e.terminal.map((t) => [t.type, t.upstream_request_id]),
    [["inference_cancelled", logged.x_request_id]],
  );
});

test("an interrupt while the WebSocket prewarm never completes ends the turn within the grace period", async () => {
  const e = await endTurn(
    {
      script: {
        responses: [{ output: [{ type: "message", text: "never" }] }],
        websocket: { handshake: "hang" },
      },
      provider: { supports_websockets: true, websocket_connect_timeout_ms: 15_000 },
    },
    async (s) => {
      await s.waitFor((n) => n.method === "turn/started");
    },
  );
  assert.equal(e.status, "interrupted");
  assert.ok(e.completedAtMs - e.interruptedAtMs! < 1000, `took ${e.completedAtMs - e.interruptedAtMs!} ms`);
  assert.equal(e.turnSpans.length, 1);
  // No model request was made: nothing to terminate in the bundle.
  assert.deepEqual(e.terminal, []);
  assert.equal(e.s.model.requests.filter((r) => !r.warmup && r.transport === "http").length, 0);
});

test("a model 500 fails the turn with a TurnError; the span is ERROR and the inference failed with its x-request-id", async () => {
  const e = await endTurn({ script: { responses: [{ fault: { http_status: 500 } }] } });
  assert.equal(e.status, "failed");
  const error = e.turn.error as { message: string; codexErrorInfo: unknown };
  assert.match(error.message, /HTTP 500/);
  assert.deepEqual(error.codexErrorInfo, { responseTooManyFailedAttempts: { httpStatusCode: 500 } });
  const errorNote = e.s.notifications.find((n) => n.method === "error");
  assert.equal(errorNote?.params.willRetry, false);
  assert.equal(e.turnSpans.length, 1);
  assert.equal(e.turnSpans[0]!.status.code, 2);
  const logged = e.s.model.requests[0]!;
  assert.deepEqual(
    e.terminal.map((t) => [t.type, t.upstream_request_id]),
    [["inference_failed", logged.x_request_id]],
  );
});

test("a dropped stream fails the turn as disconnected; the inference failed with its x-request-id", async () => {
  const e = await endTurn({
    script: {
      responses: [{ output: [{ type: "message", text: "cut short here" }], fault: { cut_after_deltas: 1 } }],
    },
  });
  assert.equal(e.status, "failed");
  const error = e.turn.error as { codexErrorInfo: unknown };
  assert.deepEqual(error.codexErrorInfo, { responseStreamDisconnected: { httpStatusCode: null } });
  assert.equal(e.turnSpans.length, 1);
  assert.equal(e.turnSpans[0]!.status.code, 2);
  const logged = e.s.model.requests[0]!;
  assert.deepEqual(
    e.terminal.map((t) => [t.type, t.upstream_request_id]),
    [["inference_failed", logged.x_request_id]],
  );
});

test("a retried 500 surfaces error{willRetry: true} and the turn then completes", async () => {
  const receiver = await startOtlpReceiver();
  const s = await startCoreSession({
    receiver,
    script: {
      responses: [
        { fault: { http_status: 500, retry_after_ms: 0 } },
        { output: [{ type: "message", text: "ok" }] },
      ],
    },
    provider: { request_max_retries: 1 },
  });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {});
    await s.rpc.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "go" }] });
    const done = await s.waitFor((n) => n.method === "turn/completed");
    assert.equal((done.params.turn as { status: string }).status, "completed");
    const retry = s.notifications.find((n) => n.method === "error");
    assert.equal(retry?.params.willRetry, true);
    assert.equal(await s.stop(), 0);
    const terminal = events(bundleOf(s.traceRoot, thread.id)).filter((x) => TERMINAL.has(x.type));
    assert.deepEqual(
      terminal.map((t) => [t.type, t.upstream_request_id]),
      [
        ["inference_failed", s.model.requests[0]!.x_request_id],
        ["inference_completed", s.model.requests[1]!.x_request_id],
      ],
    );
  } finally {
    await s.model.close();
    await receiver.close();
  }
});

test("a turn without OPENAI_API_KEY fails naming the variable, and the thread stays usable", async () => {
  const s = await startCoreSession({
    config: ['model_provider="openai"'],
    env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" },
  });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {});
    await s.rpc.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "go" }] });
    const done = await s.waitFor((n) => n.method === "turn/completed");
    const turn = done.params.turn as { status: string; error: { message: string } };
    assert.equal(turn.status, "failed");
    assert.match(turn.error.message, /OPENAI_API_KEY/);
    const read = await s.rpc.request<{ thread: { status: { type: string } } }>("thread/read", {
      threadId: thread.id,
    });
    assert.equal(read.thread.status.type, "idle");
    // The thread takes another turn (it fails the same way, but it runs).
    await s.rpc.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "again" }] });
    await s.waitFor(
      (n) =>
        n.method === "turn/completed" &&
        s.notifications.filter((m) => m.method === "turn/completed").length === 2,
    );
    assert.equal(await s.stop(), 0);
  } finally {
    await s.model.close();
  }
});
