import { test } from "node:test";
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import { InMemoryLogRecordExporter } from "@opentelemetry/sdk-logs";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { context, trace } from "@opentelemetry/api";
import { configureLogging, logFilterSpecFromEnv, logFormatFromEnv, logger } from "./log.js";
import { formatHumanLine, formatJsonLine } from "./log-format.js";
import type { LogRecord } from "./log-types.js";
import { recordSpanFields, withSpan } from "./span-scope.js";
import { installTelemetry } from "./telemetry-provider.js";

function capture(filter: string): LogRecord[] {
  const records: LogRecord[] = [];
  configureLogging({ filter, sink: (r) => records.push(r) });
  return records;
}

test("SPOOL_LOG wins over RUST_LOG; empty SPOOL_LOG falls back; LOG_FORMAT=json selects JSON", () => {
  assert.equal(logFilterSpecFromEnv({ SPOOL_LOG: "debug", RUST_LOG: "warn" }), "debug");
  assert.equal(logFilterSpecFromEnv({ SPOOL_LOG: " ", RUST_LOG: "warn" }), "warn");
  assert.equal(logFilterSpecFromEnv({}), undefined);
  assert.equal(logFormatFromEnv({ LOG_FORMAT: "JSON" }), "json");
  assert.equal(logFormatFromEnv({}), "human");
});

test("a disabled target captures nothing: fields are never built and the sink is never called", () => {
  const records = capture("info,spool_test::quiet=off");
  const log = logger("spool_test::quiet");
  let built = 0;
  const fields = () => {
    built++;
    return { big: "x".repeat(1000) };
  };
  assert.equal(log.enabled("error"), false);
  for (let i = 0; i < 1000; i++) {
    log.error("never", fields);
    log.info("never", fields);
  }
  assert.equal(built, 0, "the field builder of a disabled event is never called");
  assert.equal(records.length, 0);
  logger("spool_test::loud").info("yes", fields);
  assert.equal(built, 1);
  assert.equal(records.length, 1);
});

test("a child logger binds its fields once; call fields win; a disabled child builds nothing", () => {
  const records = capture("info,spool_test::child_quiet=off");
  const conn = logger("spool_test::child").child({ connection_id: "7", transport: "stdio" });
  const req = conn.child({ rpc_request_id: "3" });
  conn.info("opened");
  req.warn("slow", { transport: "websocket", ms: 12 });
  req.info("lazy", () => ({ n: 1 }));
  assert.equal(req.target, "spool_test::child");
  assert.deepEqual(
    records.map((r) => [r.message, r.fields]),
    [
      ["opened", { connection_id: "7", transport: "stdio" }],
      ["slow", { connection_id: "7", transport: "websocket", rpc_request_id: "3", ms: 12 }],
      ["lazy", { connection_id: "7", transport: "stdio", rpc_request_id: "3", n: 1 }],
    ],
  );
  let built = 0;
  const quiet = logger("spool_test::child_quiet").child({ connection_id: "8" });
  quiet.error("never", () => ({ n: ++built }));
  assert.equal(quiet.enabled("error"), false);
  assert.equal(built, 0);
  assert.equal(records.length, 3);
});

test("reconfiguring the filter invalidates the cached enabled answer", () => {
  capture("off");
  const log = logger("spool_test::cache");
  assert.equal(log.enabled("error"), false);
  capture("spool_test=debug");
  assert.equal(log.enabled("debug"), true);
  assert.equal(log.enabled("trace"), false);
});

test("JSON line: timestamp, level, fields with message, target, span and spans root→leaf", async () => {
  const records = capture("info");
  const log = logger("codex_core::tools::parallel");
  await withSpan("session_loop", { thread_id: "thr_1" }, async () => {
    await withSpan(
      "turn",
      { "otel.name": "session_task.turn", "thread.id": "thr_1", "turn.id": "turn_1" },
      async () => {
        recordSpanFields({ model: "gpt-5" });
        log.info("tool call completed", {
          "event.name": "codex.tool_call",
          execution_started: true,
          total_duration_ms: 412,
          skipped: undefined,
        });
      },
    );
  });
  assert.equal(records.length, 1);
  const line = formatJsonLine(records[0]!);
  assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"), "exactly one line");
  const obj = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual(Object.keys(obj), ["timestamp", "level", "fields", "target", "span", "spans"]);
  assert.match(String(obj.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(obj.level, "INFO");
  assert.deepEqual(obj.fields, {
    message: "tool call completed",
    "event.name": "codex.tool_call",
    execution_started: true,
    total_duration_ms: 412,
  });
  assert.equal(obj.target, "codex_core::tools::parallel");
  const turn = {
    name: "turn",
    "otel.name": "session_task.turn",
    "thread.id": "thr_1",
    "turn.id": "turn_1",
    model: "gpt-5",
  };
  assert.deepEqual(obj.span, turn);
  assert.deepEqual(obj.spans, [{ name: "session_loop", thread_id: "thr_1" }, turn]);
});

test("outside spans the JSON line has no span/spans keys", () => {
  const records = capture("info");
  logger("spool_test::plain").warn("hello");
  const obj = JSON.parse(formatJsonLine(records[0]!)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(obj), ["timestamp", "level", "fields", "target"]);
  assert.deepEqual(obj.fields, { message: "hello" });
  assert.equal(obj.level, "WARN");
});

test("human line: timestamp LEVEL span chain: target: message key=value", async () => {
  const records = capture("info");
  await withSpan("session_loop", { thread_id: "t1" }, () => {
    withSpan("turn", { "otel.name": "session_task.turn" }, () => {
      logger("spool_test::human").info("done", { "event.name": "codex.tool_call", ok: true, n: 3 });
    });
  });
  const line = formatHumanLine(records[0]!);
  assert.match(
    line,
    /^\S+Z {2}INFO session_loop\{thread_id="t1"\}:turn\{otel\.name="session_task\.turn"\}: spool_test::human: done event\.name="codex\.tool_call" ok=true n=3\n$/,
  );
});

test("span-scoped directives enable a target only inside the matching span", async () => {
  const records = capture("warn,spool_test[turn{turn.id=turn_2}]=debug");
  const log = logger("spool_test::scoped");
  log.debug("outside");
  await withSpan("turn", { "turn.id": "turn_1" }, () => log.debug("other turn"));
  await withSpan("turn", { "turn.id": "turn_2" }, async () => {
    await Promise.resolve();
    log.debug("inside", () => ({ a: 1 }));
    log.trace("too verbose");
  });
  assert.deepEqual(
    records.map((r) => r.message),
    ["inside"],
  );
});

test("routing is by target family: log_only → OTel logs, trace_safe → span events, others local only", async () => {
  const records = capture("off");
  const logs = new InMemoryLogRecordExporter();
  const spans = new InMemorySpanExporter();
  const handle = installTelemetry({ exporters: { logs, traces: spans }, processor: "simple" });
  try {
    await withSpan("turn", {}, () => {
      logger("codex_otel.log_only").info("codex.user_prompt", {
        "event.name": "codex.user_prompt",
        prompt: "p",
      });
      logger("codex_otel.trace_safe").info("codex.user_prompt", {
        "event.name": "codex.user_prompt",
        prompt_length: 1,
      });
      logger("codex_otel.trace_safe.sub").info("sub", { n: 1 });
      logger("codex_otel.other").info("other", { k: "v" });
      logger("codex_core::x").error("local only", { secret: "s" });
    });
    assert.equal(records.length, 0, "RUST_LOG=off does not gate OTel export");
    const exported = logs.getFinishedLogRecords();
    assert.deepEqual(
      exported.map((r) => [r.instrumentationScope.name, r.body]),
      [
        ["codex_otel.log_only", "codex.user_prompt"],
        ["codex_otel.other", "other"],
      ],
    );
    assert.equal(exported[0]!.attributes.prompt, "p");
    const turn = spans.getFinishedSpans().find((s) => s.name === "turn")!;
    assert.deepEqual(
      turn.events.map((e) => [e.name, e.attributes]),
      [
        ["codex.user_prompt", { "event.name": "codex.user_prompt", prompt_length: 1 }],
        ["sub", { n: 1 }],
      ],
    );
    assert.equal(exported[0]!.spanContext?.spanId, turn.spanContext().spanId);
  } finally {
    await handle.shutdown();
  }
  assert.equal(
    logger("codex_otel.log_only").enabled("info"),
    false,
    "after shutdown the lane is local-only again",
  );
});

test("a span made with the raw OTel API (e.g. rpc's request span) appears at the leaf of the log span stack", async () => {
  const handle = installTelemetry({ exporters: { traces: new InMemorySpanExporter() }, processor: "simple" });
  try {
    const records = capture("info");
    const request = trace
      .getTracer("spool")
      .startSpan("model/list", { attributes: { "rpc.method": "model/list" } });
    await withSpan("connection", { transport: "stdio" }, () =>
      context.with(trace.setSpan(context.active(), request), () => logger("spool_test::rpc").info("handled")),
    );
    request.end();
    assert.deepEqual(records[0]!.spans, [
      { name: "connection", fields: { transport: "stdio" } },
      { name: "model/list", fields: { "rpc.method": "model/list" } },
    ]);
  } finally {
    await handle.shutdown();
  }
});

test("an unparsable RUST_LOG is reported once at start-up and the rest still applies", () => {
  const script = `import { logger } from "./src/telemetry/index.ts"; logger("a").info("shown"); logger("b").info("hidden");`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, SPOOL_LOG: "", RUST_LOG: "info,b=off,x=loud", LOG_FORMAT: "json" },
    encoding: "utf8",
  });
  const lines = r.stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: string; fields: Record<string, unknown>; target: string });
  assert.deepEqual(
    lines.map((l) => [l.level, l.target, l.fields.message]),
    [
      ["WARN", "spool_otel::log_filter", "ignoring unparsable log filter directives"],
      ["INFO", "a", "shown"],
    ],
  );
  assert.equal(lines[0]!.fields.directives, "x=loud");
});
