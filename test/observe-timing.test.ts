import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { TOOL_CALL_TIMING_TARGET } from "../src/core/tools/parallel.js";
import { EXEC_SERVER_TELEMETRY_TARGET } from "../src/exec-server/telemetry.js";
import type { ModelScriptInput } from "../src/model-server/index.js";
import {
  ObserveStore,
  TIMING_EVENT_TARGETS,
  threadView,
  type ApiLog,
  type SpanTreeView,
} from "../src/observe/index.js";
import { handshake, runTurn, startCoreSession } from "./support/core-server.js";
import { CODEX_171_FIXTURE, replayCodexOtlp, startTestObserveServer } from "./support/observe.js";
import { MAIN, killSpawned } from "./support/spawned-servers.js";

after(killSpawned);

const run = promisify(execFile);
const TOOL_TURN = JSON.parse(
  readFileSync(new URL("./fixtures/model-scripts/tool-call-turn.json", import.meta.url), "utf8"),
) as ModelScriptInput;

/** A thread's view read straight from a store file. */
function viewOf(storePath: string, threadId: string): SpanTreeView {
  const store = ObserveStore.open(storePath, { readonly: true });
  try {
    const view = threadView(store, threadId, { details: false });
    assert.ok(view, `thread ${threadId} in ${storePath}`);
    return view;
  } finally {
    store.close();
  }
}

/** The span a log record sits on, by name (or rpc method). */
function spanOf(view: SpanTreeView, log: ApiLog | undefined): string | undefined {
  assert.ok(log, "the event is stored");
  return view.spans.find((s) => s.traceId === log.traceId && s.spanId === log.spanId)?.name;
}

const one = (view: SpanTreeView, name: string, pred: (l: ApiLog) => boolean = () => true) => {
  const found = view.logs.filter((l) => l.eventName === name && pred(l));
  assert.equal(found.length, 1, `${name}: ${JSON.stringify(view.logs.map((l) => l.eventName))}`);
  return found[0];
};

/** The thread's turn with one `exec_command` call: its tool span, process/start request span. */
function assertTimingOnSpans(view: SpanTreeView): void {
  const tool = one(view, "codex.tool_call");
  assert.equal(spanOf(view, tool), "exec_command");
  assert.equal(tool!.attributes.call_id, "call_ls");
  assert.equal(tool!.attributes.execution_started, true);
  assert.equal(typeof tool!.attributes.total_duration_ms, "number");
  const start = one(view, "codex.exec_server_request", (l) => l.attributes.method === "process/start");
  assert.equal(spanOf(view, start), "process/start");
  assert.equal(start!.attributes.result, "success");
  const proc = one(view, "codex.exec_server_process");
  assert.equal(spanOf(view, proc), "process/start");
  assert.equal(proc!.attributes.result, "success");
}

test("the store's timing tap listens on the targets core and the exec-server emit timing events on", () => {
  assert.deepEqual(
    [...TIMING_EVENT_TARGETS].sort(),
    [EXEC_SERVER_TELEMETRY_TARGET, TOOL_CALL_TIMING_TARGET].sort(),
  );
});

test("an embedded Spool session stores its tool-call and exec-server timing events on their spans, whatever the stderr filter", async () => {
  // SPOOL_LOG=warn (the harness's default) turns the events off on stderr; the store still wants them.
  const s = await startCoreSession({ script: TOOL_TURN });
  await handshake(s);
  const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {});
  await runTurn(s, thread.id, "list the files");
  assert.equal(await s.stop(), 0, s.server.stderr());
  await s.model.close();
  assert.doesNotMatch(s.server.stderr(), /codex\.tool_call|exec-server request completed/);
  assertTimingOnSpans(viewOf(join(s.home, "observe.sqlite"), thread.id));
});

test("spool trace import-log places a Spool JSON log's timing events on the spans an exporter sent", async () => {
  const observe = await startTestObserveServer();
  try {
    const s = await startCoreSession({
      script: TOOL_TURN,
      env: {
        LOG_FORMAT: "json",
        SPOOL_LOG: "warn,spool_core::tools::parallel=info,spool_exec_server::telemetry=info",
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${observe.otlpUrl}/v1/traces`,
      },
    });
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {});
    await runTurn(s, thread.id, "list the files");
    assert.equal(await s.stop(), 0, s.server.stderr());
    await s.model.close();
    assert.equal(viewOf(observe.storePath, thread.id).logs.length, 0, "spans only, so far");

    const log = join(observe.dir, "app-server.log");
    writeFileSync(log, s.server.stderr());
    const { stdout } = await run(process.execPath, [
      MAIN,
      "trace",
      "import-log",
      log,
      "--store",
      observe.storePath,
    ]);
    assert.match(stdout, /^imported 4 event\(s\) .* 0 already stored\); 4 on a stored span/);
    assertTimingOnSpans(viewOf(observe.storePath, thread.id));
  } finally {
    await observe.dispose();
  }
});

test("spool trace import-log puts Codex 0.171's codex.tool_call on Codex's own exec_command span, once", async () => {
  const observe = await startTestObserveServer();
  try {
    assert.deepEqual(await replayCodexOtlp(observe.otlpUrl, CODEX_171_FIXTURE), [200, 200, 200, 200]);
    const log = join(CODEX_171_FIXTURE, "stderr.log");
    const args = [MAIN, "trace", "import-log", log, "--store", observe.storePath];
    const first = await run(process.execPath, args);
    // Codex's stderr is mostly diagnostics (and one warning line that is not JSON).
    assert.match(
      first.stdout,
      /^imported 1 event\(s\) .*\(222 line\(s\), 1 not JSON log lines, 0 already stored\); 1 on a stored span/,
    );
    const again = await run(process.execPath, args);
    assert.match(again.stdout, /^imported 0 event\(s\) .* 1 already stored\)/);

    const threadId = readFileSync(log, "utf8").match(/"conversation\.id":"([^"]+)"/)![1]!;
    const view = viewOf(observe.storePath, threadId);
    const tool = one(view, "codex.tool_call");
    assert.equal(spanOf(view, tool), "exec_command");
    const span = view.spans.find((x) => x.spanId === tool!.spanId)!;
    assert.ok(BigInt(tool!.timeNs) >= BigInt(span.startNs), "the event is inside its span's time");
  } finally {
    await observe.dispose();
  }
});

test("spool trace import-log refuses a file it cannot read, with exit code 2", async () => {
  await assert.rejects(
    run(process.execPath, [
      MAIN,
      "trace",
      "import-log",
      "/nonexistent/codex.log",
      "--store",
      "/tmp/x.sqlite",
    ]),
    (err: { code: number; stderr: string }) =>
      err.code === 2 && /cannot read \/nonexistent\/codex\.log/.test(err.stderr),
  );
});
