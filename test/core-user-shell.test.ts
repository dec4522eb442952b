import { after, test } from "node:test";
import assert from "node:assert/strict";
import { killSpawned } from "./support/spawned-servers.js";
import {
  ancestry,
  handshake,
  runTurn,
  schemaProblems,
  startCoreSession,
  startOtlpReceiver,
  type CoreSession,
  type Notification,
} from "./support/core-server.js";
import type { JsonRpcError } from "../src/rpc/index.js";

after(killSpawned);

interface CommandItem {
  type: string;
  id: string;
  source: string;
  status: string;
  exitCode: number | null;
  aggregatedOutput: string | null;
  command: string;
}

const TRACE_ID = "5b8aa5a2d2c872e8321cf37308d69df2";
const CARRIER = { traceparent: `00-${TRACE_ID}-051581bf3cb55c13-01` };

/** Sends `thread/shellCommand` and waits for the turn it runs in to complete. */
async function shellTurn(s: CoreSession, threadId: string, command: string): Promise<Notification> {
  const seen = s.notifications.length;
  assert.deepEqual(await s.rpc.request("thread/shellCommand", { threadId, command }, CARRIER), {});
  return s.waitFor((n) => n.method === "turn/completed" && s.notifications.indexOf(n) >= seen);
}

test("thread/shellCommand runs the user's command as its own turn, and the model sees it next turn", async () => {
  const receiver = await startOtlpReceiver();
  const s = await startCoreSession({
    receiver,
    script: { responses: [{ output: [{ type: "message", text: "I saw it" }] }] },
  });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {
      approvalPolicy: "untrusted",
    });
    const command = `echo "tp=$TRACEPARENT" | sed 's/-[0-9a-f]*-01$//'; echo oops >&2; exit 3`;
    const done = await shellTurn(s, thread.id, command);
    const turn = done.params.turn as { id: string; status: string };
    assert.equal(turn.status, "completed");
    const started = s.notifications.find(
      (n) => n.method === "item/started" && (n.params.item as CommandItem).source === "userShell",
    )!;
    assert.equal(started.params.turnId, turn.id);
    const item = s.notifications.find(
      (n) => n.method === "item/completed" && (n.params.item as CommandItem).source === "userShell",
    )!.params.item as CommandItem;
    assert.equal(item.type, "commandExecution");
    assert.equal(item.status, "failed");
    assert.equal(item.exitCode, 3);
    // The request's trace reaches the child; no approval was asked although the policy asks for one.
    assert.match(item.aggregatedOutput!, new RegExp(`tp=00-${TRACE_ID}\\n`));
    assert.match(item.aggregatedOutput!, /oops\n/);
    assert.deepEqual(s.serverRequests, []);
    const deltas = s.notifications.filter(
      (n) => n.method === "item/commandExecution/outputDelta" && n.params.itemId === item.id,
    );
    assert.equal(deltas.map((d) => d.params.delta).join(""), item.aggregatedOutput);
    assert.equal(s.model.requests.length, 0, "a shell command sends nothing to the model");

    await runTurn(s, thread.id, "what did my command print?");
    const sent = JSON.stringify(s.model.requests[0]!.body);
    assert.ok(
      sent.includes(JSON.stringify(`<user_shell_command>\n<command>\n${command}\n</command>`).slice(1, -1)),
    );
    assert.match(sent, /Exit code: 3\\nDuration: \d+\.\d{4} seconds\\nOutput:\\ntp=00-/);

    const read = await s.rpc.request<{ thread: { turns: { id: string; items: CommandItem[] }[] } }>(
      "thread/read",
      { threadId: thread.id, includeTurns: true },
    );
    assert.deepEqual(
      read.thread.turns[0]!.items.map((i) => [i.type, i.source]),
      [["commandExecution", "userShell"]],
    );

    const empty = await s.rpc.request("thread/shellCommand", { threadId: thread.id, command: "  " }).then(
      () => assert.fail("an empty command is refused"),
      (e: unknown) => e as JsonRpcError,
    );
    assert.equal(empty.code, -32602);

    // Spans: the request → … → session_task.user_shell → session_task.run → user_shell.exec_command.
    assert.equal(await s.stop(), 0, s.server.stderr());
    assert.deepEqual(schemaProblems(s.frames), []);
    const spans = await receiver.waitForSpans(
      (all) => all.some((x) => x.name === "user_shell.exec_command"),
      10_000,
    );
    const exec = spans.find((x) => x.name === "user_shell.exec_command")!;
    const chain = ancestry(spans, exec).map((x) => x.name);
    assert.deepEqual(chain.slice(0, 3), [
      "user_shell.exec_command",
      "session_task.run",
      "session_task.user_shell",
    ]);
    assert.equal(chain.at(-1), "thread/shellCommand");
    assert.equal(exec.traceId, TRACE_ID);
    assert.equal(exec.attributes.outcome, "exited");
    const task = spans.find((x) => x.name === "session_task.user_shell")!;
    assert.equal(task.attributes["turn.id"], turn.id);
    assert.ok(
      !spans.some((x) => Object.values(x.attributes).some((v) => String(v).includes("oops"))),
      "command output never goes on a span",
    );
  } finally {
    await s.model.close();
    await receiver.close();
  }
});

test("a shell command sent during a turn runs right after it, and an interrupt aborts a running one", async () => {
  const s = await startCoreSession({
    script: {
      responses: [
        { output: [{ type: "function_call", name: "exec_command", arguments: { cmd: "sleep 0.5" } }] },
        { output: [{ type: "message", text: "slept" }] },
      ],
    },
  });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {
      approvalPolicy: "never",
      sandbox: "danger-full-access",
    });
    const first = await s.rpc.request<{ turn: { id: string } }>("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "sleep a little" }],
    });
    await s.waitFor(
      (n) => n.method === "item/started" && (n.params.item as CommandItem).type === "commandExecution",
    );
    assert.deepEqual(
      await s.rpc.request("thread/shellCommand", { threadId: thread.id, command: "echo after" }),
      {},
    );
    const shellDone = await s.waitFor(
      (n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id !== first.turn.id,
    );
    const firstDone = s.notifications.findIndex(
      (n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id === first.turn.id,
    );
    assert.ok(
      firstDone >= 0 && firstDone < s.notifications.indexOf(shellDone),
      "the model's turn ended first",
    );
    const after = s.notifications.find(
      (n) => n.method === "item/completed" && (n.params.item as CommandItem).source === "userShell",
    )!.params.item as CommandItem;
    assert.equal(after.aggregatedOutput, "after\n");

    // Interrupted: the process group is killed and the model is told the command was aborted.
    const seen = s.notifications.length;
    await s.rpc.request("thread/shellCommand", { threadId: thread.id, command: "sleep 30" });
    const running = await s.waitFor((n) => n.method === "turn/started" && s.notifications.indexOf(n) >= seen);
    const turnId = (running.params.turn as { id: string }).id;
    await s.waitFor((n) => n.method === "item/started" && n.params.turnId === turnId);
    const t0 = Date.now();
    await s.rpc.request("turn/interrupt", { threadId: thread.id, turnId });
    const ended = await s.waitFor(
      (n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id === turnId,
    );
    assert.equal((ended.params.turn as { status: string }).status, "interrupted");
    assert.ok(Date.now() - t0 < 5000, "sleep 30 did not run out");
    assert.equal(await s.stop(), 0, s.server.stderr());
    assert.deepEqual(schemaProblems(s.frames), []);
  } finally {
    await s.model.close();
  }
});
