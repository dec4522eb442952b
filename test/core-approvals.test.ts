import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelScriptInput } from "../src/model-server/index.js";
import { startScriptedModelServer } from "../src/model-server/index.js";
import { RpcConnection, WebSocketTransport } from "../src/rpc/index.js";
import { killSpawned, openWebSocket, spawnWsAppServer, wsClient } from "./support/spawned-servers.js";
import {
  CLIENT,
  handshake,
  runTurn,
  schemaProblems,
  startCoreSession,
  startOtlpReceiver,
  type CoreSession,
} from "./support/core-server.js";

after(killSpawned);

const APPROVAL = "item/commandExecution/requestApproval";

function execCall(callId: string, cmd: string) {
  return { type: "function_call" as const, name: "exec_command", call_id: callId, arguments: { cmd } };
}

/** The model runs `cmd` once per entry of `calls`, one response each, then answers. */
function script(...calls: [string, string][]): ModelScriptInput {
  return {
    responses: [
      ...calls.map(([id, cmd]) => ({ output: [execCall(id, cmd)] })),
      { output: [{ type: "message" as const, text: "done: {{function_call_output}}" }] },
    ],
  };
}

interface Approved {
  s: CoreSession;
  threadId: string;
  turnId: string;
  status: string;
  cwd: string;
}

async function turnWithAnswers(
  model: ModelScriptInput,
  answer: (method: string, params: Record<string, unknown>) => unknown,
  threadParams: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
): Promise<Approved> {
  const cwd = mkdtempSync(join(tmpdir(), "spool-approvals-cwd-"));
  const s = await startCoreSession({ script: model, onServerRequest: answer, env });
  await handshake(s);
  const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {
    cwd,
    ...threadParams,
  });
  const { turnId, completed } = await runTurn(s, thread.id, "go");
  return {
    s,
    threadId: thread.id,
    turnId,
    status: (completed.params.turn as { status: string }).status,
    cwd,
  };
}

function commandItems(s: CoreSession): Record<string, unknown>[] {
  return s.notifications
    .filter(
      (n) => n.method === "item/completed" && (n.params.item as { type: string }).type === "commandExecution",
    )
    .map((n) => n.params.item as Record<string, unknown>);
}

function toolOutputs(s: CoreSession): string[] {
  const last = s.model.requests.at(-1)!.body as { input: Record<string, unknown>[] };
  return last.input.filter((i) => i.type === "function_call_output").map((i) => String(i.output));
}

async function finish(r: Approved): Promise<void> {
  assert.deepEqual(schemaProblems(r.s.frames), []);
  assert.equal(await r.s.stop(), 0, r.s.server.stderr());
  await r.s.model.close();
}

test("on-request under read-only: the command waits for the client's accept, then runs", async () => {
  const r = await turnWithAnswers(script(["call_1", "echo approved > out.txt"]), () => ({
    decision: "accept",
  }));
  assert.equal(r.status, "completed");
  assert.equal(r.s.serverRequests.length, 1);
  const req = r.s.serverRequests[0]!;
  assert.equal(req.method, APPROVAL);
  assert.equal(req.params.threadId, r.threadId);
  assert.equal(req.params.turnId, r.turnId);
  assert.equal(req.params.itemId, "call_1");
  assert.equal(req.params.cwd, r.cwd);
  assert.match(String(req.params.command), /echo approved > out\.txt/);
  assert.equal(typeof req.params.startedAtMs, "number");
  assert.ok(existsSync(join(r.cwd, "out.txt")), "the command ran after approval");
  assert.equal(commandItems(r.s)[0]!.status, "completed");

  // waitingOnApproval while pending; serverRequest/resolved names the request; then active again.
  const methods = r.s.notifications.map((n) =>
    n.method === "thread/status/changed"
      ? `status:${JSON.stringify((n.params.status as { activeFlags?: string[] }).activeFlags ?? [])}`
      : n.method,
  );
  const waiting = methods.indexOf('status:["waitingOnApproval"]');
  const resolved = r.s.notifications.findIndex((n) => n.method === "serverRequest/resolved");
  assert.ok(waiting >= 0, "thread/status/changed with waitingOnApproval");
  assert.ok(resolved > waiting);
  assert.deepEqual(r.s.notifications[resolved]!.params, { threadId: r.threadId, requestId: req.id });
  assert.equal(methods[resolved + 1], "status:[]", "no longer waiting once answered");
  const started = r.s.notifications.findIndex(
    (n) => n.method === "item/started" && (n.params.item as { id: string }).id === "call_1",
  );
  assert.ok(started > resolved, "the command starts only after the answer");
  await finish(r);
});

test("a declined command does not run: its item ends declined and the model is told", async () => {
  const r = await turnWithAnswers(script(["call_1", "touch declined.txt"]), () => ({ decision: "decline" }));
  assert.equal(r.status, "completed");
  assert.ok(!existsSync(join(r.cwd, "declined.txt")));
  const [item] = commandItems(r.s);
  assert.equal(item!.status, "declined");
  assert.equal(item!.exitCode, null);
  assert.deepEqual(toolOutputs(r.s), ["exec command rejected by user"]);
  assert.ok(r.s.notifications.some((n) => n.method === "serverRequest/resolved"));
  await finish(r);
});

test("acceptForSession: the same command later in the session runs without asking", async () => {
  const r = await turnWithAnswers(
    script(["call_1", "touch a.txt"], ["call_2", "touch a.txt"], ["call_3", "touch b.txt"]),
    () => ({ decision: "acceptForSession" }),
  );
  assert.equal(r.status, "completed");
  assert.deepEqual(
    r.s.serverRequests.map((q) => q.params.itemId),
    ["call_1", "call_3"],
    "asked about touch a.txt once, and about the different command",
  );
  assert.deepEqual(
    commandItems(r.s).map((i) => i.status),
    ["completed", "completed", "completed"],
  );
  await finish(r);
});

test("cancel interrupts the turn", async () => {
  const r = await turnWithAnswers(script(["call_1", "touch never.txt"]), () => ({ decision: "cancel" }));
  assert.equal(r.status, "interrupted");
  assert.ok(!existsSync(join(r.cwd, "never.txt")));
  assert.equal(r.s.model.requests.length, 1, "no further model request after the cancel");
  await finish(r);
});

test("untrusted asks even with full access, except for Codex's known-safe commands", async () => {
  const r = await turnWithAnswers(
    script(["call_ls", "ls -la && pwd | wc -l"], ["call_touch", "touch x.txt"], ["call_sub", "echo $(id)"]),
    () => ({ decision: "accept" }),
    { approvalPolicy: "untrusted", sandbox: "danger-full-access" },
  );
  assert.equal(r.status, "completed");
  assert.deepEqual(
    r.s.serverRequests.map((q) => q.params.itemId),
    ["call_touch", "call_sub"],
  );
  await finish(r);
});

test("never under read-only refuses what would need approval, without asking", async () => {
  const r = await turnWithAnswers(
    script(["call_1", "touch refused.txt"], ["call_2", "cat /dev/null"]),
    () => {
      throw new Error("not asked");
    },
    { approvalPolicy: "never", sandbox: "read-only" },
  );
  assert.equal(r.status, "completed");
  assert.equal(r.s.serverRequests.length, 0);
  assert.ok(!existsSync(join(r.cwd, "refused.txt")));
  assert.deepEqual(
    commandItems(r.s).map((i) => i.status),
    ["declined", "completed"],
  );
  const second = r.s.model.requests[1]!.body as { input: Record<string, unknown>[] };
  const out = second.input.find((i) => i.type === "function_call_output")!;
  assert.match(String(out.output), /^exec command rejected: .*read-only.*approval policy never/);
  await finish(r);
});

test("a decision is traced: the tool_approval span, codex.tool_decision, codex.turn.tool.call", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const r = await turnWithAnswers(
      script(["call_1", "touch traced.txt"], ["call_2", "ls"]),
      () => ({ decision: "accept" }),
      {},
      {
        OTEL_METRICS_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.url}/v1/metrics`,
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
        OTEL_BSP_SCHEDULE_DELAY: "50",
      },
    );
    assert.equal(r.status, "completed");
    await finish(r);
    const spans = await receiver.waitForSpans((all) => all.some((x) => x.name === "session_task.turn"));
    const approval = spans.filter((x) => x.name === "tool_approval");
    assert.equal(approval.length, 1, "only the asked call waited");
    assert.equal(approval[0]!.attributes.call_id, "call_1");
    assert.equal(approval[0]!.attributes["approval.decision"], "accept");
    const tool = spans.find((x) => x.spanId === approval[0]!.parentSpanId);
    assert.ok(tool, "the approval span sits inside the tool call");
    const decisions = spans
      .flatMap((x) => x.events)
      .filter((e) => e.name === "codex.tool_decision")
      .map((e) => [e.attributes.call_id, e.attributes.decision, e.attributes.source]);
    assert.deepEqual(decisions, [
      ["call_1", "approved", "user"],
      ["call_2", "approved", "config"],
    ]);
    for (const span of spans) assert.ok(!JSON.stringify(span.attributes).includes("traced.txt"), span.name);
    await receiver.waitFor((c) => c.metrics.some((m) => m.name === "codex.turn.tool.call"));
    const perTurn = receiver.metrics.find((m) => m.name === "codex.turn.tool.call")!;
    assert.equal(perTurn.type, "histogram");
    assert.equal(perTurn.points[0]!.value, 2, "two tool calls in the turn");
  } finally {
    await receiver.close();
  }
});

test("a client that disconnects while an approval is pending gets its turn interrupted", async () => {
  const model = await startScriptedModelServer({ script: script(["call_1", "touch gone.txt"]) });
  const home = mkdtempSync(join(tmpdir(), "spool-approvals-home-"));
  const cwd = mkdtempSync(join(tmpdir(), "spool-approvals-cwd-"));
  const server = await spawnWsAppServer(
    {
      ...process.env,
      SPOOL_HOME: home,
      SPOOL_ROLLOUT_TRACE_ROOT: mkdtempSync(join(tmpdir(), "spool-approvals-traces-")),
      SPOOL_LOG: "warn",
    },
    "ws://127.0.0.1:0",
    [
      "-c",
      'model_provider="mock"',
      "-c",
      'model="scripted-model"',
      "-c",
      `model_providers.mock.base_url=${JSON.stringify(model.url)}`,
      "-c",
      "model_providers.mock.request_max_retries=0",
    ],
  );
  try {
    let askedResolve!: () => void;
    const asked = new Promise<void>((resolve) => (askedResolve = resolve));
    // The first client hangs up instead of answering.
    const a: RpcConnection = new RpcConnection(new WebSocketTransport(await openWebSocket(server.url)), {
      handler: {
        handleRequest: () => {
          askedResolve();
          a.close();
          return new Promise(() => undefined);
        },
      },
    }).start();
    await a.request("initialize", CLIENT);
    a.notify("initialized");
    const { thread } = await a.request<{ thread: { id: string } }>("thread/start", { cwd });
    const { turn } = await a.request<{ turn: { id: string } }>("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "go" }],
    });
    await asked;

    const b = await wsClient(server.url);
    await b.request("initialize", CLIENT);
    let status = "";
    for (let i = 0; i < 100 && status !== "interrupted"; i++) {
      const read = await b.request<{ thread: { turns: { id: string; status: string }[] } }>("thread/read", {
        threadId: thread.id,
        includeTurns: true,
      });
      status = read.thread.turns.find((t) => t.id === turn.id)?.status ?? "";
      if (status !== "interrupted") await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, "interrupted", server.stderr());
    assert.ok(!existsSync(join(cwd, "gone.txt")));
    b.close();
  } finally {
    server.child.kill("SIGTERM");
    await server.exit;
    await model.close();
  }
});
