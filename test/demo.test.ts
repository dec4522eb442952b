import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ObserveStore } from "../src/observe/index.js";
import { reduceBundle } from "../src/rollout-trace/index.js";
import { MAIN } from "./support/spawned-servers.js";

const run = promisify(execFile);

interface TreeNode {
  name: string;
  kind: string;
  startMs: number;
  durationMs: number;
  service: string;
  line: string;
  parent: TreeNode | undefined;
}

/** The printed span tree back as nodes: depth from the indent, `⇢` marking a new service. */
function parseTree(block: string): TreeNode[] {
  const nodes: TreeNode[] = [];
  const stack: TreeNode[] = [];
  for (const line of block.split("\n")) {
    const m = /^ {2}((?: {2})*)(?:└ )?(\S+) \[([A-Z]+)\] {2}@([\d.]+) \+([\d.]+) ms(.*)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 2;
    const parent = depth > 0 ? stack[depth - 1] : undefined;
    const service = /⇢ (\S+)/.exec(m[6]!)?.[1] ?? parent?.service ?? "";
    const node = {
      name: m[2]!,
      kind: m[3]!,
      startMs: Number(m[4]),
      durationMs: Number(m[5]),
      service,
      line,
      parent,
    };
    stack[depth] = node;
    stack.length = depth + 1;
    nodes.push(node);
  }
  return nodes;
}

function chain(node: TreeNode): TreeNode[] {
  const out: TreeNode[] = [];
  for (let n: TreeNode | undefined = node; n; n = n.parent) out.unshift(n);
  return out;
}

test("spool demo: one trace from the client's span through the turn and two parallel tool calls into the exec-server's processes, timing events and a reduced bundle", async () => {
  const home = mkdtempSync(join(tmpdir(), "spool-demo-test-"));
  const { stdout } = await run(process.execPath, [MAIN, "demo"], {
    timeout: 60_000,
    env: { ...process.env, SPOOL_HOME: home },
  });
  try {
    // Each start-up request's span, parented by the carrier the client sent.
    for (const method of ["initialize", "model/list", "config/read"]) {
      const carrier = new RegExp(`→ ${method}  trace carrier 00-([0-9a-f]{32})-([0-9a-f]{16})-01`).exec(
        stdout,
      );
      assert.ok(carrier, `demo sent ${method} with a carrier`);
      const block = new RegExp(
        `  ${method.replace("/", "\\/")}  \\[SERVER\\]\\n    trace ${carrier[1]}  span [0-9a-f]{16}  parent ${carrier[2]} \\(remote\\)\\n    rpc\\.transport=stdio  app_server\\.client_name=spool_demo`,
      );
      assert.match(stdout, block, `span for ${method} in the carrier's trace`);
    }
    const turnCarrier = /→ turn\/start {2}turn \S+ {2}trace carrier 00-([0-9a-f]{32})-([0-9a-f]{16})-01/.exec(
      stdout,
    );
    assert.ok(turnCarrier, "demo started a turn with a carrier");
    const traceId = turnCarrier[1]!;
    assert.match(stdout, /← turn\/completed {2}status completed/);

    // The tree: client → request → dispatch → turn → tool → the exec-server's process/start.
    const treeStart = stdout.indexOf(`The turn's trace ${traceId}`);
    assert.ok(treeStart > 0, "the tree is printed under the turn's trace id");
    const tree = parseTree(stdout.slice(treeStart, stdout.indexOf("\nWhat each child process printed")));
    const root = tree[0]!;
    assert.equal(root.name, "demo.turn");
    assert.equal(root.kind, "CLIENT");
    assert.equal(root.service, "spool-demo-client");
    const processStarts = tree.filter((n) => n.name === "process/start");
    assert.equal(processStarts.length, 2, "one process/start per command");
    for (const p of processStarts) {
      assert.equal(p.service, "spool-exec-server", p.line);
      assert.equal(p.kind, "SERVER");
      const names = chain(p).map((n) => n.name);
      let at = -1;
      for (const name of [
        "demo.turn",
        "turn/start",
        "op.dispatch.turn_input",
        "session_task.turn",
        "run_turn",
        "exec_command",
        "unified_exec.exec_command",
        "process/start",
      ]) {
        const i = names.indexOf(name, at + 1);
        assert.ok(i > at, `${name} on the path to process/start: ${names.join(" → ")}`);
        at = i;
      }
      assert.equal(chain(p)[1]!.service, "spool", "the request span is the app-server's");
    }
    const requests = tree.filter((n) => n.name === "responses.stream_request");
    assert.equal(requests.length, 2, "two model requests");
    assert.match(requests[0]!.line, /x-request-id=req_1/);

    // The two tool calls overlap in time, and both began before the model's second request.
    const tools = tree.filter((n) => n.name === "exec_command");
    assert.equal(tools.length, 2);
    const [a, b] = tools as [TreeNode, TreeNode];
    assert.ok(
      a.startMs < b.startMs + b.durationMs && b.startMs < a.startMs + a.durationMs,
      `tool calls overlap: ${a.line} / ${b.line}`,
    );
    assert.ok(Math.max(a.startMs, b.startMs) < requests[1]!.startMs);

    // Each child printed a TRACEPARENT in the turn's trace, parented by the exec-server's span.
    for (const call of ["call_demo_uname", "call_demo_date"]) {
      assert.match(
        stdout,
        new RegExp(
          `  ${call}  TRACEPARENT=00-${traceId}-[0-9a-f]{16}-01\\n +same trace, parent span process\\/start \\(spool-exec-server\\); printed: \\S`,
        ),
      );
    }

    // One codex.tool_call event per call, with its three durations.
    const events = [
      ...stdout.matchAll(
        /^ {2}exec_command (call_demo_\w+) {2}dispatch (\d+) ms {2}handler (\d+) ms {2}total (\d+) ms {2}execution_started=true {2}same trace$/gm,
      ),
    ];
    assert.deepEqual(events.map((e) => e[1]).sort(), ["call_demo_date", "call_demo_uname"]);
    for (const e of events) {
      assert.ok(Number(e[3]) >= 250, "the handler ran the command (sleep 0.3)");
      assert.ok(Number(e[2]) + Number(e[3]) <= Number(e[4]) + 1);
    }

    // The bundle: the printed summary, and reducing it here gives two calls with terminal operations.
    const bundle = /^Rollout bundle: (\S+)$/m.exec(stdout)?.[1];
    assert.ok(bundle, "the bundle path is printed");
    assert.match(stdout, /\): completed, recording complete, \d+ events\n/);
    assert.match(stdout, /^ {2}2 tool calls: 2 completed$/m);
    assert.match(stdout, /response_id resp_1 {2}upstream_request_id req_1 {2}started 2 tool call\(s\)/);
    assert.equal(
      [...stdout.matchAll(/→ terminal_operation:\d+ exec_command `.*TRACEPARENT.*` exit 0$/gm)].length,
      2,
    );
    const { state } = await reduceBundle(bundle);
    const calls = [...state.tool_calls.values()];
    assert.equal(calls.length, 2);
    for (const c of calls) {
      assert.equal(c.execution.status, "completed");
      const op = state.terminal_operations.get(c.terminal_operation_id ?? "");
      assert.ok(op, `${c.tool_call_id} has a terminal operation`);
      assert.equal(op.result?.exit_code, 0);
      assert.match(op.result?.stdout ?? "", new RegExp(`TRACEPARENT=00-${traceId}-`));
    }
    rmSync(bundle, { recursive: true, force: true });

    // The same spans are in the observe store, for `spool observe` and `spool trace show`.
    assert.match(stdout, new RegExp(`Stored in ${join(home, "observe.sqlite")}`));
    const shown = await run(process.execPath, [MAIN, "trace", "show", traceId], {
      env: { ...process.env, SPOOL_HOME: home },
    });
    assert.match(shown.stdout, new RegExp(`^trace ${traceId} .*: 1 trace\\(s\\)`));
    assert.match(shown.stdout, /process\/start/);
    // And the two codex.tool_call timing events (local log lines, imported from the stderr).
    const store = ObserveStore.open(join(home, "observe.sqlite"));
    try {
      const row = store
        .stmt("SELECT count(*) AS n FROM logs WHERE event_name = 'codex.tool_call' AND trace_id = ?")
        .get(traceId) as { n: number };
      assert.equal(row.n, 2);
    } finally {
      store.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
