import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InMemoryLogRecordExporter } from "@opentelemetry/sdk-logs";
import { AggregationTemporality, InMemoryMetricExporter } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { AppServer } from "../src/app-server/index.js";
import { buildAppServerServices } from "../src/cli/compose.js";
import { loadConfig } from "../src/config/index.js";
import { startScriptedModelServer, type ScriptedModelServer } from "../src/model-server/index.js";
import { RpcConnection, createInProcessTransportPair } from "../src/rpc/index.js";
import { SERVER_NOTIFICATIONS } from "../src/protocol/index.js";
import { installTelemetry, type TelemetryHandle } from "../src/telemetry/index.js";

// In-process app-server sessions against the scripted model, with telemetry installed the way
// production installs it but exporting to memory.

const spans = new InMemorySpanExporter();
const logs = new InMemoryLogRecordExporter();
const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
let telemetry: TelemetryHandle;
let model: ScriptedModelServer;
let server: AppServer;

before(async () => {
  telemetry = installTelemetry({
    exporters: { traces: spans, logs, metrics },
    processor: "simple",
    env: {},
    metricExportIntervalMs: 60_000,
  });
  model = await startScriptedModelServer({
    script: {
      on_exhausted: "repeat_last",
      responses: [{ output: [{ type: "message", text: "slow but sure ".repeat(30) }], event_delay_ms: 5 }],
    },
  });
  const home = mkdtempSync(join(tmpdir(), "spool-core-inproc-"));
  const config = loadConfig({
    home,
    env: {},
    overrides: [
      'model_provider="mock"',
      'model="scripted-model"',
      `model_providers.mock.base_url="${model.url}"`,
      "otel.log_user_prompt=false",
    ],
  });
  server = new AppServer({
    services: buildAppServerServices(config, { metrics: telemetry.metrics, env: {} }),
  });
});

after(async () => {
  await server.shutdown();
  await model.close();
  await telemetry.shutdown();
});

interface Client {
  rpc: RpcConnection;
  notes: { method: string; params: Record<string, unknown> }[];
  wait(method: string, pred?: (p: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

async function connect(capabilities?: Record<string, unknown>): Promise<Client> {
  const [serverEnd, clientEnd] = createInProcessTransportPair();
  void server.serve(serverEnd);
  const notes: Client["notes"] = [];
  const waiters: {
    method: string;
    pred: (p: Record<string, unknown>) => boolean;
    resolve: (p: Record<string, unknown>) => void;
  }[] = [];
  const rpc = new RpcConnection(clientEnd, {
    handler: {
      handleRequest: () => ({}),
      handleNotification: (method, params) => {
        const p = params as Record<string, unknown>;
        // Every notification validates against its zod schema.
        const schema = SERVER_NOTIFICATIONS[method as keyof typeof SERVER_NOTIFICATIONS];
        assert.ok(schema, `unknown notification ${method}`);
        schema.parse(p);
        notes.push({ method, params: p });
        for (const w of [...waiters]) {
          if (w.method === method && w.pred(p)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(p);
          }
        }
      },
    },
  }).start();
  await rpc.request("initialize", {
    clientInfo: { name: "inproc_client", title: null, version: "1" },
    ...(capabilities ? { capabilities } : {}),
  });
  rpc.notify("initialized");
  return {
    rpc,
    notes,
    wait(method, pred = () => true) {
      const seen = notes.find((n) => n.method === method && pred(n.params));
      if (seen) return Promise.resolve(seen.params);
      return new Promise((resolve) => waiters.push({ method, pred, resolve }));
    },
  };
}

const turnOf = (p: Record<string, unknown>) => p.turn as { id: string; status: string };

test("turn/steer adds input to the running turn; a wrong expectedTurnId or no active turn is -32600", async () => {
  const c = await connect();
  const { thread } = await c.rpc.request<{ thread: { id: string } }>("thread/start", {});
  await assert.rejects(
    c.rpc.request("turn/steer", {
      threadId: thread.id,
      expectedTurnId: "nope",
      input: [{ type: "text", text: "x" }],
    }),
    (e: { code: number; message: string }) => e.code === -32600 && /no active turn/.test(e.message),
  );
  const { turn } = await c.rpc.request<{ turn: { id: string } }>("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "first" }],
  });
  await c.wait("item/agentMessage/delta");
  await assert.rejects(
    c.rpc.request("turn/steer", {
      threadId: thread.id,
      expectedTurnId: "other",
      input: [{ type: "text", text: "x" }],
    }),
    (e: { code: number }) => e.code === -32600,
  );
  const steered = await c.rpc.request<{ turnId: string }>("turn/steer", {
    threadId: thread.id,
    expectedTurnId: turn.id,
    input: [{ type: "text", text: "also this" }],
  });
  assert.equal(steered.turnId, turn.id);
  const done = await c.wait("turn/completed", (p) => turnOf(p).id === turn.id);
  assert.equal(turnOf(done).status, "completed");
  // The steered input became a user message of the same turn, and a second request was made.
  const users = c.notes.filter(
    (n) => n.method === "item/completed" && (n.params.item as { type: string }).type === "userMessage",
  );
  assert.equal(users.length, 2);
  assert.ok(users.every((u) => u.params.turnId === turn.id));
  assert.equal(c.notes.filter((n) => n.method === "turn/started").length, 1);
});

test("experimental fields are refused with -32602 naming the field unless the connection opted in", async () => {
  const plain = await connect();
  await assert.rejects(
    plain.rpc.request("thread/start", { dynamicTools: [{ name: "x" }] }),
    (e: { code: number; message: string }) => e.code === -32602 && /dynamicTools/.test(e.message),
  );
  // A null experimental field is no use of it.
  await plain.rpc.request("thread/start", { dynamicTools: null });
  const opted = await connect({ experimentalApi: true });
  const r = await opted.rpc.request<{ thread: { id: string } }>("thread/start", { dynamicTools: [] });
  assert.ok(r.thread.id);
});

test("several connections watch one thread; each one's opt-outs apply to it alone", async () => {
  const a = await connect();
  const b = await connect({ optOutNotificationMethods: ["item/agentMessage/delta"] });
  const { thread } = await a.rpc.request<{ thread: { id: string } }>("thread/start", {});
  await b.rpc.request("thread/resume", { threadId: thread.id });
  const { turn } = await a.rpc.request<{ turn: { id: string } }>("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "hi" }],
  });
  await a.wait("turn/completed", (p) => turnOf(p).id === turn.id);
  await b.wait("turn/completed", (p) => turnOf(p).id === turn.id);
  assert.ok(a.notes.some((n) => n.method === "item/agentMessage/delta"));
  assert.ok(!b.notes.some((n) => n.method === "item/agentMessage/delta"));
  assert.ok(b.notes.some((n) => n.method === "item/completed"));
});

test("session telemetry: service_name tags the thread's metrics, the prompt stays off the trace lane", async () => {
  const c = await connect();
  const { thread } = await c.rpc.request<{ thread: { id: string } }>("thread/start", {
    serviceName: "svc-under-test",
  });
  const { turn } = await c.rpc.request<{ turn: { id: string } }>("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "a secret prompt" }],
  });
  await c.wait("turn/completed", (p) => turnOf(p).id === turn.id);
  await telemetry.forceFlush();
  const points = metrics
    .getMetrics()
    .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
    .filter((m) =>
      ["codex.thread.started", "codex.turn.e2e_duration_ms", "codex.turn.token_usage"].includes(
        m.descriptor.name,
      ),
    );
  for (const name of ["codex.thread.started", "codex.turn.e2e_duration_ms", "codex.turn.token_usage"]) {
    const m = points.find((p) => p.descriptor.name === name);
    assert.ok(m, `metric ${name}`);
    assert.ok(
      m.dataPoints.some(
        (d) => d.attributes.service_name === "svc-under-test" && d.attributes.originator === "inproc_client",
      ),
      `${name} carries service_name and originator`,
    );
  }
  const prompt = logs
    .getFinishedLogRecords()
    .filter((r) => r.attributes["event.name"] === "codex.user_prompt");
  assert.ok(prompt.length > 0);
  assert.ok(prompt.every((r) => r.attributes.prompt === "[REDACTED]"));
  const events = spans.getFinishedSpans().flatMap((s) => s.events);
  const safe = events.filter((e) => e.name === "codex.user_prompt");
  assert.ok(safe.length > 0, "the trace-safe lane recorded the prompt event");
  assert.ok(safe.every((e) => !JSON.stringify(e.attributes).includes("secret")));
  for (const name of ["codex.conversation_starts", "codex.turn_ttft"]) {
    assert.ok(
      logs.getFinishedLogRecords().some((r) => r.attributes["event.name"] === name),
      `${name} on the log lane`,
    );
  }
});
