import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SERVER_NOTIFICATIONS } from "../src/protocol/index.js";
import { reduceBundle, stateJson } from "../src/rollout-trace/index.js";
import type { ModelScriptInput } from "../src/model-server/index.js";
import type { ReceivedSpan } from "../src/otlp-receiver/index.js";
import { killSpawned } from "./support/spawned-servers.js";
import {
  bundleOf,
  handshake,
  runTurn,
  startCoreSession,
  startOtlpReceiver,
  type CoreSession,
} from "./support/core-server.js";

after(killSpawned);

const TIMING_LOG = "warn,spool_core::tools::parallel=info";
/** The first process a fresh app-server starts gets id 1000 (`commandExecution.processId`). */
const FIRST_ID = 1000;

function call(name: string, callId: string, args: Record<string, unknown>) {
  return { type: "function_call" as const, name, call_id: callId, arguments: args };
}

const answer = (text: string) => ({ output: [{ type: "message" as const, text }] });

interface Session {
  s: CoreSession;
  threadId: string;
  spans: () => Promise<ReceivedSpan[]>;
  close: () => Promise<void>;
}

async function openSession(script: ModelScriptInput, env: NodeJS.ProcessEnv = {}): Promise<Session> {
  const receiver = await startOtlpReceiver();
  const s = await startCoreSession({
    script,
    receiver,
    env: { SPOOL_LOG: TIMING_LOG, LOG_FORMAT: "json", ...env },
  });
  await handshake(s);
  const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {
    approvalPolicy: "never",
    sandbox: "danger-full-access",
  });
  return {
    s,
    threadId: thread.id,
    spans: () => receiver.waitForSpans((all) => all.some((x) => x.name === "session_task.turn"), 10_000),
    close: async () => {
      await s.model.close();
      await receiver.close();
    },
  };
}

/** The `function_call_output` texts the model was sent, by call id. */
function outputs(s: CoreSession): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of s.model.requests) {
    for (const i of (r.body as { input: Record<string, unknown>[] }).input) {
      if (i.type === "function_call_output") out.set(String(i.call_id), String(i.output));
    }
  }
  return out;
}

function toolCallEvents(s: CoreSession): Record<string, unknown>[] {
  return s.server
    .stderr()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => (JSON.parse(l) as { fields: Record<string, unknown> }).fields)
    .filter((f) => f["event.name"] === "codex.tool_call");
}

function commandItems(s: CoreSession, method: "item/started" | "item/completed"): Record<string, unknown>[] {
  return s.notifications
    .filter((n) => n.method === method && (n.params.item as { type: string }).type === "commandExecution")
    .map((n) => n.params.item as Record<string, unknown>);
}

function assertNotificationsValid(s: CoreSession): void {
  const schemas = SERVER_NOTIFICATIONS as Record<string, { safeParse(v: unknown): { success: boolean } }>;
  for (const n of s.notifications) {
    assert.ok(schemas[n.method], `no schema for ${n.method}`);
    assert.ok(schemas[n.method]!.safeParse(n.params).success, `${n.method} fails its schema`);
  }
}

interface Reduced {
  tool_calls: Record<
    string,
    { tool_name: string; terminal_operation_id: string | null; execution: { status: string } }
  >;
  terminal_operations: Record<
    string,
    {
      terminal_id: string | null;
      tool_call_id: string;
      kind: string;
      request: Record<string, unknown>;
      result: { exit_code: number; stdout: string } | null;
      execution: { status: string };
    }
  >;
  terminal_sessions: Record<string, { operation_ids: string[]; execution: { status: string } }>;
}

async function reduce(bundle: string): Promise<Reduced> {
  const { state } = await reduceBundle(bundle);
  return JSON.parse(stateJson(state)) as Reduced;
}

function readIfThere(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function eventually(what: string, check: () => boolean, ms = 8_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out waiting until ${what}`);
    await sleep(25);
  }
}

test("exec_command yields a still-running command with a session id; write_stdin polls it to its exit", async () => {
  const x = await openSession({
    responses: [
      { output: [call("exec_command", "call_exec", { cmd: "sleep 1; echo done", yield_time_ms: 250 })] },
      { output: [call("write_stdin", "call_poll", { session_id: FIRST_ID, chars: "" })] },
      { output: [call("write_stdin", "call_again", { session_id: FIRST_ID })] },
      { output: [call("write_stdin", "call_unknown", { session_id: 4242, chars: "" })] },
      answer("done polling"),
    ],
  });
  try {
    const { turnId, completed } = await runTurn(x.s, x.threadId, "run something slow");
    assert.equal((completed.params.turn as { status: string }).status, "completed");
    const out = outputs(x.s);
    assert.match(
      out.get("call_exec")!,
      new RegExp(
        `^Chunk ID: [0-9a-f]{6}\\nWall time: \\d+\\.\\d{4} seconds\\nProcess running with session ID ${FIRST_ID}\\nOriginal token count: 0\\nOutput:\\n$`,
      ),
    );
    assert.match(
      out.get("call_poll")!,
      /^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\nProcess exited with code 0\nOriginal token count: 2\nOutput:\ndone\n$/,
    );
    // A session whose exit was reported is gone, like one that never was.
    assert.equal(out.get("call_again"), `write_stdin failed: Unknown process id ${FIRST_ID}`);
    assert.equal(out.get("call_unknown"), "write_stdin failed: Unknown process id 4242");

    // One commandExecution item, completed when the process exited, with all its output.
    assert.equal(commandItems(x.s, "item/started").length, 1);
    const [done] = commandItems(x.s, "item/completed");
    assert.equal(done!.id, "call_exec");
    assert.equal(done!.status, "completed");
    assert.equal(done!.exitCode, 0);
    assert.equal(done!.aggregatedOutput, "done\n");
    assert.equal(done!.processId, String(FIRST_ID));
    assertNotificationsValid(x.s);

    // Timing events: one per call, each admitted.
    const events = toolCallEvents(x.s);
    assert.deepEqual(events.map((e) => e.tool_name).sort(), [
      "exec_command",
      "write_stdin",
      "write_stdin",
      "write_stdin",
    ]);
    assert.ok(events.every((e) => e.execution_started === true && e.turn_id === turnId));
    const poll = events.find((e) => e.call_id === "call_poll")!;
    assert.ok((poll.handler_duration_ms as number) < 4_500, "the poll ended at the exit, not at 5 s");

    assert.equal(await x.s.stop(), 0, x.s.server.stderr());
    const spans = await x.spans();
    const exec = spans.find((sp) => sp.name === "unified_exec.exec_command")!;
    assert.equal(exec.attributes.outcome, "running");
    assert.equal(exec.attributes.unified_exec_process_id, String(FIRST_ID));
    const writes = spans.filter((sp) => sp.name === "unified_exec.write_stdin");
    assert.deepEqual(
      writes.map((w) => [w.attributes.call_id, w.attributes.outcome]),
      [["call_poll", "exited"]],
    );
    const toolSpan = spans.find((sp) => sp.name === "write_stdin" && sp.attributes.call_id === "call_poll")!;
    assert.equal(toolSpan.attributes.tool_source, "direct");
    assert.equal(writes[0]!.parentSpanId !== undefined, true);

    // Rollout: the poll is a write_stdin operation on the session the exec call created.
    const state = await reduce(bundleOf(x.s.traceRoot, x.threadId));
    assert.equal(Object.keys(state.tool_calls).length, 4);
    const execOp = state.terminal_operations[state.tool_calls["call_exec"]!.terminal_operation_id!]!;
    const pollOp = state.terminal_operations[state.tool_calls["call_poll"]!.terminal_operation_id!]!;
    assert.equal(execOp.kind, "exec_command");
    assert.equal(pollOp.kind, "write_stdin");
    assert.equal(pollOp.request.stdin, "");
    assert.ok(execOp.terminal_id);
    assert.equal(pollOp.terminal_id, execOp.terminal_id);
    assert.deepEqual(execOp.result && [execOp.result.exit_code, execOp.result.stdout], [0, "done\n"]);
    assert.deepEqual(pollOp.result && [pollOp.result.exit_code, pollOp.result.stdout], [0, "done\n"]);
    const session = state.terminal_sessions[execOp.terminal_id]!;
    assert.deepEqual(session.operation_ids, [
      state.tool_calls["call_exec"]!.terminal_operation_id,
      state.tool_calls["call_poll"]!.terminal_operation_id,
    ]);
    assert.equal(state.tool_calls["call_unknown"]!.execution.status, "failed");
    assert.equal(state.tool_calls["call_unknown"]!.terminal_operation_id, null);
  } finally {
    await x.close();
  }
});

test("write_stdin writes to a tty session's stdin; a pipe session refuses input but takes Ctrl-C", async () => {
  const x = await openSession({
    responses: [
      {
        output: [
          call("exec_command", "call_tty", {
            cmd: "read line; echo got:$line",
            tty: true,
            yield_time_ms: 300,
          }),
        ],
      },
      {
        output: [
          call("write_stdin", "call_type", { session_id: FIRST_ID, chars: "hello\n", yield_time_ms: 10_000 }),
        ],
      },
      { output: [call("exec_command", "call_pipe", { cmd: "sleep 20", yield_time_ms: 250 })] },
      { output: [call("write_stdin", "call_refused", { session_id: FIRST_ID + 1, chars: "y\n" })] },
      {
        output: [
          call("write_stdin", "call_ctrl_c", {
            session_id: FIRST_ID + 1,
            chars: "\u0003",
            yield_time_ms: 10_000,
          }),
        ],
      },
      answer("typed"),
    ],
  });
  try {
    const { completed } = await runTurn(x.s, x.threadId, "talk to a prompt");
    assert.equal((completed.params.turn as { status: string }).status, "completed");
    const out = outputs(x.s);
    assert.match(out.get("call_tty")!, new RegExp(`Process running with session ID ${FIRST_ID}\\n`));
    assert.match(out.get("call_type")!, /Process exited with code 0\n[\s\S]*Output:\n[\s\S]*got:hello/);
    assert.equal(
      out.get("call_refused"),
      "write_stdin failed: stdin is closed for this session; rerun exec_command with tty=true to keep stdin open",
    );
    assert.match(out.get("call_ctrl_c")!, /Process exited with code 130\n/);
    const items = commandItems(x.s, "item/completed");
    assert.deepEqual(
      items.map((i) => [i.id, i.status, i.exitCode]),
      [
        ["call_tty", "completed", 0],
        ["call_pipe", "failed", 130],
      ],
    );
    assert.match(String(items[0]!.aggregatedOutput), /got:hello/);
    assertNotificationsValid(x.s);
    assert.equal(await x.s.stop(), 0, x.s.server.stderr());
    const state = await reduce(bundleOf(x.s.traceRoot, x.threadId));
    const typed = state.terminal_operations[state.tool_calls["call_type"]!.terminal_operation_id!]!;
    assert.equal(typed.request.stdin, "hello\n");
  } finally {
    await x.close();
  }
});

test("a running session outlives its turn and an interrupt, and is terminated when its thread ends", async () => {
  const pidFile = join(mkdtempSync(join(tmpdir(), "spool-uexec-")), "sleep.pid");
  const x = await openSession(
    {
      responses: [
        {
          output: [
            call("exec_command", "call_bg", {
              cmd: `sleep 30 & echo $! > ${pidFile}; echo started; wait`,
              yield_time_ms: 300,
            }),
          ],
        },
        answer("it runs"),
        {
          output: [
            call("write_stdin", "call_wait", { session_id: FIRST_ID, chars: "", yield_time_ms: 20_000 }),
          ],
        },
        answer("never"),
      ],
    },
    { SPOOL_THREAD_IDLE_UNLOAD_MS: "100" },
  );
  try {
    const first = await runTurn(x.s, x.threadId, "start a server");
    assert.equal((first.completed.params.turn as { status: string }).status, "completed");
    assert.match(outputs(x.s).get("call_bg")!, /Process running with session ID 1000\n/);
    await eventually("the command wrote its pid", () => /^\d+\n$/.test(readIfThere(pidFile)));
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    assert.ok(isRunning(pid), "the session survived the end of its turn");

    // A second turn polls it; interrupting that turn does not kill the session.
    const second = await x.s.rpc.request<{ turn: { id: string } }>("turn/start", {
      threadId: x.threadId,
      input: [{ type: "text", text: "wait for it" }],
    });
    await eventually("the poll runs", () => x.s.model.requests.length >= 3);
    await sleep(1_000);
    await x.s.rpc.request("turn/interrupt", { threadId: x.threadId, turnId: second.turn.id });
    const interrupted = await x.s.waitFor(
      (n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id === second.turn.id,
    );
    assert.equal((interrupted.params.turn as { status: string }).status, "interrupted");
    assert.ok(isRunning(pid), "an interrupt leaves a session the model was told runs");
    assert.equal(commandItems(x.s, "item/completed").length, 0);

    // The thread ends (its last subscriber left): its session is terminated, the server runs on.
    await x.s.rpc.request("thread/unsubscribe", { threadId: x.threadId });
    await x.s.waitFor((n) => n.method === "thread/closed" && n.params.threadId === x.threadId, 10_000);
    await eventually("the session's process is gone", () => !isRunning(pid));
    assert.equal(x.s.server.child.exitCode, null);

    const events = toolCallEvents(x.s);
    assert.equal(events.find((e) => e.call_id === "call_wait")!.execution_started, true);
    assert.equal(await x.s.stop(), 0, x.s.server.stderr());
    const spans = await x.spans();
    assert.equal(spans.find((sp) => sp.name === "unified_exec.write_stdin")!.attributes.outcome, "aborted");
    assert.equal(spans.find((sp) => sp.name === "write_stdin")!.attributes.aborted, true);
    const state = await reduce(bundleOf(x.s.traceRoot, x.threadId));
    assert.equal(state.tool_calls["call_wait"]!.execution.status, "cancelled");
    const execOp = state.terminal_operations[state.tool_calls["call_bg"]!.terminal_operation_id!]!;
    assert.equal(execOp.execution.status, "cancelled", "the thread's end is recorded on the session");
  } finally {
    await x.close();
  }
});
