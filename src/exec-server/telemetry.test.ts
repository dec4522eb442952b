import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { configureLogging, type LogRecord } from "../telemetry/index.js";
import { infoEventsEnabled, processStarted, requestCompleted, requestStarted } from "./telemetry.js";

const records: LogRecord[] = [];
const sink = (r: LogRecord) => {
  records.push(r);
};

afterEach(() => {
  records.length = 0;
});

const request = { id: 7, method: "process/start", trace: { traceparent: "00-a-b-01" } };

test("with an all-rejecting filter no request context and no process log context is captured", () => {
  configureLogging({ filter: "off", sink });
  assert.equal(infoEventsEnabled(), false);
  assert.equal(requestStarted(request), undefined);
  const guard = processStarted("p1");
  assert.equal(guard.logContext, undefined);
  guard.finish("success");
  guard.drop();
  requestCompleted(undefined, "success");
  assert.deepEqual(records, []);
});

test("a filter enabling other targets only still captures nothing for the exec-server", () => {
  configureLogging({ filter: "info,codex_exec_server::telemetry=warn", sink });
  assert.equal(requestStarted(request), undefined);
  assert.equal(processStarted("p1").logContext, undefined);
});

test("enabled, a request event carries the Codex fields with numeric durations", () => {
  configureLogging({ filter: "warn,codex_exec_server::telemetry=info", sink });
  const ctx = requestStarted(request);
  assert.deepEqual(
    { ...ctx, startedAt: 0 },
    {
      requestId: "7",
      method: "process/start",
      traceparent: "00-a-b-01",
      startedAt: 0,
    },
  );
  requestCompleted(ctx, "error");
  assert.equal(records.length, 1);
  const f = records[0]!.fields!;
  assert.deepEqual(Object.keys(f).sort(), [
    "duration_ms",
    "duration_seconds",
    "event.name",
    "method",
    "request_id",
    "result",
    "traceparent",
  ]);
  assert.equal(f["event.name"], "codex.exec_server_request");
  assert.equal(f.result, "error");
  assert.equal(typeof f.duration_ms, "number");
  assert.equal(typeof f.duration_seconds, "number");
});

test("a process guard emits once; drop after finish does nothing, drop alone reports unknown", () => {
  configureLogging({ filter: "warn,spool_exec_server::telemetry=info", sink });
  const done = processStarted("a");
  assert.ok(done.logContext);
  assert.equal(done.logContext.traceId, "", "no current span: empty trace id");
  done.finish("terminated");
  done.drop();
  const dropped = processStarted("b");
  dropped.drop();
  assert.deepEqual(
    records.map((r) => [r.fields!.process_id, r.fields!.result]),
    [
      ["a", "terminated"],
      ["b", "unknown"],
    ],
  );
  assert.ok(records.every((r) => r.message === "exec-server process completed"));
});
