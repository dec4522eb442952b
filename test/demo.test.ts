import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { MAIN } from "./support/spawned-servers.js";

test("spool demo prints each request's span as read back from the exporter, parented by its carrier", async () => {
  const home = mkdtempSync(join(tmpdir(), "spool-demo-test-"));
  const { stdout } = await promisify(execFile)(process.execPath, [MAIN, "demo"], {
    timeout: 60_000,
    env: { ...process.env, SPOOL_HOME: home },
  });
  for (const method of ["initialize", "model/list", "config/read"]) {
    const carrier = new RegExp(`→ ${method}  trace carrier 00-([0-9a-f]{32})-([0-9a-f]{16})-01`).exec(stdout);
    assert.ok(carrier, `demo sent ${method} with a carrier`);
    const block = new RegExp(
      `  ${method.replace("/", "\\/")}  \\[SERVER\\]\\n    trace ${carrier[1]}  span [0-9a-f]{16}  parent ${carrier[2]} \\(remote\\)`,
    );
    assert.match(stdout, block, `span for ${method} in the carrier's trace`);
  }
  assert.match(stdout, /rpc\.transport = "stdio"/);
  // The turn: one tree from the client's carrier down to the model request, then the bundle.
  const turnCarrier = /→ turn\/start {2}turn \S+ {2}trace carrier 00-([0-9a-f]{32})-([0-9a-f]{16})-01/.exec(
    stdout,
  );
  assert.ok(turnCarrier, "demo started a turn with a carrier");
  assert.match(stdout, /← turn\/completed {2}status completed/);
  const tree = stdout.slice(stdout.indexOf("The turn's span tree"));
  let at = 0;
  for (const name of [
    "turn/start [SERVER]",
    "└ op.dispatch.turn_input",
    "└ codex.turn_input",
    "└ session_task.turn",
    "└ run_turn",
    "└ responses.stream_request [CLIENT]",
  ]) {
    const i = tree.indexOf(name, at);
    assert.ok(i > at, `${name} in the tree after the previous span`);
    at = i;
  }
  assert.match(tree, new RegExp(`model request carried traceparent 00-${turnCarrier[1]}-[0-9a-f]{16}-01`));
  assert.match(stdout, /Rollout bundle: \S+trace-/);
  assert.match(stdout, /\): completed, recording complete, \d+ events\n/);
  assert.match(stdout, /app_server\.client_name = "spool_demo"/);

  // The same spans are in the observe store, for `spool observe` and `spool trace show`.
  assert.match(stdout, new RegExp(`Stored in ${join(home, "observe.sqlite")}`));
  const traceId = /→ model\/list {2}trace carrier 00-([0-9a-f]{32})-/.exec(stdout)![1]!;
  const shown = await promisify(execFile)(process.execPath, [MAIN, "trace", "show", traceId], {
    env: { ...process.env, SPOOL_HOME: home },
  });
  assert.match(shown.stdout, new RegExp(`^trace ${traceId}: 1 trace\\(s\\), 1 span\\(s\\)`));
  assert.match(shown.stdout, /\* model\/list .* SERVER \(parent not stored\)\n/);
  rmSync(home, { recursive: true, force: true });
});
