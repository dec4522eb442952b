import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVER_NOTIFICATIONS } from "../src/protocol/index.js";
import { reduceBundle, stateJson } from "../src/rollout-trace/index.js";
import type { ModelScriptInput } from "../src/model-server/index.js";
import type { ReceivedSpan } from "../src/otlp-receiver/index.js";
import { killSpawned } from "./support/spawned-servers.js";
import {
  ancestry,
  bundleOf,
  handshake,
  startCoreSession,
  startOtlpReceiver,
  type CoreSession,
  type Notification,
} from "./support/core-server.js";

after(killSpawned);

const TIMING_LOG = "warn,spool_core::tools::parallel=info";

interface Run {
  s: CoreSession;
  threadId: string;
  turnId: string;
  completed: Notification;
  spans: ReceivedSpan[];
  /** `codex.tool_call` events from the server's JSON log lines. */
  toolCallEvents: Record<string, unknown>[];
  bundle: string;
}

/** One turn over a spawned app-server with a scripted model; spans, log lines and bundle collected. */
async function runToolTurn(
  script: ModelScriptInput,
  options: {
    env?: NodeJS.ProcessEnv;
    traceparent?: string;
    during?: (s: CoreSession, threadId: string, turnId: string) => Promise<void>;
  } = {},
): Promise<Run> {
  const receiver = await startOtlpReceiver();
  const s = await startCoreSession({
    script,
    receiver,
    env: { SPOOL_LOG: TIMING_LOG, LOG_FORMAT: "json", ...options.env },
  });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {
      approvalPolicy: "never",
      sandbox: "danger-full-access",
    });
    const started = await s.rpc.request<{ turn: { id: string } }>(
      "turn/start",
      { threadId: thread.id, input: [{ type: "text", text: "run the tools" }] },
      options.traceparent ? { traceparent: options.traceparent } : undefined,
    );
    if (options.during) await options.during(s, thread.id, started.turn.id);
    const completed = await s.waitFor(
      (n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id === started.turn.id,
    );
    assert.equal(await s.stop(), 0, s.server.stderr());
    const spans = await receiver.waitForSpans(
      (all) => all.some((x) => x.name === "session_task.turn"),
      10_000,
    );
    const toolCallEvents = s.server
      .stderr()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { fields: Record<string, unknown> })
      .map((l) => l.fields)
      .filter((f) => f["event.name"] === "codex.tool_call");
    return {
      s,
      threadId: thread.id,
      turnId: started.turn.id,
      completed,
      spans,
      toolCallEvents,
      bundle: bundleOf(s.traceRoot, thread.id),
    };
  } finally {
    await s.model.close();
    await receiver.close();
  }
}

function items(
  s: CoreSession,
  method: "item/started" | "item/completed",
  type: string,
): Record<string, unknown>[] {
  return s.notifications
    .filter((n) => n.method === method && (n.params.item as { type: string }).type === type)
    .map((n) => n.params.item as Record<string, unknown>);
}

/** Every server notification validates against Spool's own zod schema for its method. */
function assertNotificationsValid(s: CoreSession): void {
  for (const n of s.notifications) {
    const schema = (
      SERVER_NOTIFICATIONS as Record<string, { safeParse(v: unknown): { success: boolean; error?: unknown } }>
    )[n.method];
    assert.ok(schema, `no schema for ${n.method}`);
    const r = schema.safeParse(n.params);
    assert.ok(r.success, `${n.method}: ${String(r.error)}`);
  }
}

const TWO_PARALLEL: ModelScriptInput = {
  responses: [
    {
      output: [
        {
          type: "function_call",
          name: "exec_command",
          call_id: "call_a",
          arguments: { cmd: "sleep 0.4; echo alpha" },
        },
        {
          type: "function_call",
          name: "exec_command",
          call_id: "call_b",
          arguments: { cmd: "sleep 0.4; echo beta" },
        },
      ],
    },
    { output: [{ type: "message", text: "both ran" }] },
  ],
};

test("two exec_command calls from one response run concurrently; outputs go back in call order", async () => {
  const r = await runToolTurn(TWO_PARALLEL);
  assert.equal((r.completed.params.turn as { status: string }).status, "completed");
  const done = items(r.s, "item/completed", "commandExecution");
  assert.deepEqual(done.map((i) => i.id).sort(), ["call_a", "call_b"]);
  for (const i of done) {
    assert.equal(i.status, "completed");
    assert.equal(i.exitCode, 0);
    assert.equal(typeof i.durationMs, "number");
    assert.equal(typeof i.processId, "string");
    assert.equal(i.source, "unifiedExecStartup");
  }
  assert.equal(done.find((i) => i.id === "call_a")!.aggregatedOutput, "alpha\n");
  // Overlap: each started before the other completed.
  const a = done.find((i) => i.id === "call_a")!;
  const b = done.find((i) => i.id === "call_b")!;
  assert.ok(
    (a.startedAtMs as number) < (b.completedAtMs as number) &&
      (b.startedAtMs as number) < (a.completedAtMs as number),
    "the two commands overlapped",
  );
  const deltas = r.s.notifications.filter((n) => n.method === "item/commandExecution/outputDelta");
  assert.equal(
    deltas
      .filter((n) => n.params.itemId === "call_b")
      .map((n) => n.params.delta)
      .join(""),
    "beta\n",
  );
  assertNotificationsValid(r.s);

  // The second request carries both outputs, in call order, each in Codex's exec format.
  const second = r.s.model.requests[1]!.body as { input: Record<string, unknown>[] };
  const outputs = second.input.filter((i) => i.type === "function_call_output");
  assert.deepEqual(
    outputs.map((o) => o.call_id),
    ["call_a", "call_b"],
  );
  assert.match(
    outputs[0]!.output as string,
    /^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\nProcess exited with code 0\nOriginal token count: 2\nOutput:\nalpha\n$/,
  );
  assert.match(String(outputs[0]!.id), /^fco_/);

  // One codex.tool_call per call, admitted, with consistent durations.
  assert.equal(r.toolCallEvents.length, 2);
  for (const e of r.toolCallEvents) {
    assert.equal(e.tool_source, "direct");
    assert.equal(e.execution_started, true);
    assert.equal(e["conversation.id"], r.threadId);
    assert.equal(e.turn_id, r.turnId);
    assert.match(String(e.trace_id), /^[0-9a-f]{32}$/);
    assert.ok((e.handler_duration_ms as number) >= 350);
    assert.ok(
      (e.dispatch_duration_ms as number) + (e.handler_duration_ms as number) <=
        (e.total_duration_ms as number) + 1,
    );
  }

  // Spans: the tool span under the sampling request, the gate and the exec call beneath it.
  const toolSpans = r.spans.filter((x) => x.name === "exec_command");
  assert.equal(toolSpans.length, 2);
  for (const t of toolSpans) {
    assert.equal(t.attributes.tool_source, "direct");
    assert.equal(t.attributes["codex.tool.phase"], "dispatch");
    assert.equal(t.attributes.aborted, false);
    assert.equal(t.attributes["turn.id"], r.turnId);
    assert.equal(t.attributes["gen_ai.operation.name"], "execute_tool");
    assert.equal(t.attributes["gen_ai.tool.name"], "exec_command");
    assert.equal(t.attributes["gen_ai.tool.type"], "function");
    assert.equal(t.attributes["gen_ai.tool.call.id"], t.attributes.call_id);
    const chain = ancestry(r.spans, t).map((x) => x.name);
    for (const name of [
      "handle_tool_call_with_source",
      "handle_output_item_done",
      "handle_responses",
      "try_run_sampling_request",
      "run_turn",
      "session_task.turn",
      "turn/start",
    ]) {
      assert.ok(chain.includes(name), `${name} is an ancestor of the tool span: ${chain.join(" < ")}`);
    }
    const children = r.spans.filter((x) => x.parentSpanId === t.spanId).map((x) => x.name);
    assert.ok(children.includes("tool_dispatch.parallel_lock"), children.join(","));
    assert.ok(children.includes("dispatch_tool_call_with_state"), children.join(","));
  }
  const execSpans = r.spans.filter((x) => x.name === "unified_exec.exec_command");
  assert.deepEqual(execSpans.map((x) => x.attributes.call_id).sort(), ["call_a", "call_b"]);
  assert.ok(execSpans.every((x) => x.attributes.outcome === "exited"));

  // Rollout: both calls, each with its terminal operation.
  const state = await reduce(r.bundle);
  const calls = Object.values(state.tool_calls);
  assert.equal(calls.length, 2);
  assert.ok(calls.every((c) => c.execution.status === "completed"));
  const ops = Object.values(state.terminal_operations);
  assert.equal(ops.length, 2);
});

test("the client's trace reaches the child process as TRACEPARENT", async () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const r = await runToolTurn(
    {
      responses: [
        {
          output: [
            {
              type: "function_call",
              name: "shell_command",
              call_id: "call_tp",
              arguments: { command: 'echo "$TRACEPARENT"' },
            },
          ],
        },
        { output: [{ type: "message", text: "ok" }] },
      ],
    },
    { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
  );
  const done = items(r.s, "item/completed", "commandExecution")[0]!;
  assert.equal(done.source, "agent");
  const printed = String(done.aggregatedOutput).trim();
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(printed);
  assert.ok(m, `child printed a traceparent: ${printed}`);
  assert.equal(m[1], traceId);
  const parent = r.spans.find((x) => x.spanId === m[2]);
  assert.ok(parent, "the child's parent span was exported");
  const chain = ancestry(r.spans, parent).map((x) => x.name);
  assert.ok(
    chain.includes("unified_exec.exec_command") || chain.includes("shell_command"),
    chain.join(" < "),
  );
  assert.ok(chain.includes("turn/start"), chain.join(" < "));
  const out = (r.s.model.requests[1]!.body as { input: Record<string, unknown>[] }).input.find(
    (i) => i.type === "function_call_output",
  )!;
  assert.match(String(out.output), /^Exit code: 0\nWall time: \d+\.\d seconds\nOutput:\n00-/);
});

test("an unknown tool and bad arguments go back to the model as failed outputs; the turn goes on", async () => {
  const r = await runToolTurn({
    responses: [
      {
        output: [
          { type: "function_call", name: "no_such_tool", call_id: "call_x", arguments: {} },
          { type: "function_call", name: "exec_command", call_id: "call_y", arguments: { command: "ls" } },
          { type: "function_call", name: "exec_command", call_id: "call_z", arguments: "{not json" },
          {
            type: "function_call",
            name: "exec_command",
            call_id: "call_f",
            arguments: { cmd: "echo oops >&2; exit 3" },
          },
        ],
      },
      { output: [{ type: "message", text: "recovered" }] },
    ],
  });
  assert.equal((r.completed.params.turn as { status: string }).status, "completed");
  const input = (r.s.model.requests[1]!.body as { input: Record<string, unknown>[] }).input;
  const out = new Map(
    input.filter((i) => i.type === "function_call_output").map((i) => [i.call_id, String(i.output)]),
  );
  assert.equal(out.get("call_x"), "unsupported call: no_such_tool");
  assert.match(out.get("call_y")!, /^failed to parse function arguments: cmd: /);
  assert.match(out.get("call_z")!, /^failed to parse function arguments: /);
  assert.match(out.get("call_f")!, /Process exited with code 3\n[\s\S]*Output:\noops\n$/);
  const failed = items(r.s, "item/completed", "commandExecution");
  assert.deepEqual(
    failed.map((i) => [i.id, i.status, i.exitCode]),
    [["call_f", "failed", 3]],
  );
  assert.equal(r.toolCallEvents.length, 4);
  const byCall = new Map(r.toolCallEvents.map((e) => [e.call_id, e]));
  assert.equal(byCall.get("call_x")!.execution_started, false);
  assert.equal(byCall.get("call_f")!.execution_started, true);
  const state = await reduce(r.bundle);
  const statuses = Object.values(state.tool_calls)
    .map((c) => c.execution.status)
    .sort();
  assert.deepEqual(statuses, ["failed", "failed", "failed", "failed"]);
  assertNotificationsValid(r.s);
});

test("an interrupt during a running command kills it, ends the turn interrupted and records the call cancelled", async () => {
  const pidFile = join(mkdtempSync(join(tmpdir(), "spool-tools-")), "sleep.pid");
  const r = await runToolTurn(
    {
      responses: [
        {
          output: [
            {
              type: "function_call",
              name: "exec_command",
              call_id: "call_sleep",
              arguments: { cmd: `sleep 30 & echo $! > ${pidFile}; echo started; wait` },
            },
          ],
        },
        { output: [{ type: "message", text: "never" }] },
      ],
    },
    {
      during: async (s, threadId, turnId) => {
        await s.waitFor((n) => n.method === "item/commandExecution/outputDelta");
        await s.rpc.request("turn/interrupt", { threadId, turnId });
      },
    },
  );
  assert.equal((r.completed.params.turn as { status: string }).status, "interrupted");
  const started = items(r.s, "item/started", "commandExecution")[0]!;
  assert.equal(r.s.model.requests.length, 1);
  assert.equal(r.toolCallEvents.length, 1);
  assert.equal(r.toolCallEvents[0]!.execution_started, true);
  assert.ok((r.toolCallEvents[0]!.total_duration_ms as number) < 10_000);
  const tool = r.spans.find((x) => x.name === "exec_command")!;
  assert.equal(tool.attributes.aborted, true);
  const state = await reduce(r.bundle);
  const call = Object.values(state.tool_calls)[0]!;
  assert.equal(call.execution.status, "cancelled");
  assert.ok(started.processId);
  // The whole process group is gone, the shell's background child included.
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  assert.ok(pid > 0);
  assert.equal(isRunning(pid), false, `pid ${pid} still runs`);
});

test("no codex.tool_call events when the target is off", async () => {
  const r = await runToolTurn(
    {
      responses: [
        {
          output: [
            { type: "function_call", name: "exec_command", call_id: "call_q", arguments: { cmd: "true" } },
          ],
        },
        { output: [{ type: "message", text: "ok" }] },
      ],
    },
    { env: { SPOOL_LOG: "warn" } },
  );
  assert.equal((r.completed.params.turn as { status: string }).status, "completed");
  assert.equal(r.toolCallEvents.length, 0);
});

/** A killed process may linger as a zombie until its new parent reaps it; that is not running. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

interface ReducedState {
  tool_calls: Record<string, { execution: { status: string } }>;
  terminal_operations: Record<string, unknown>;
}

async function reduce(bundle: string): Promise<ReducedState> {
  const { state } = await reduceBundle(bundle);
  return JSON.parse(stateJson(state)) as ReducedState;
}
