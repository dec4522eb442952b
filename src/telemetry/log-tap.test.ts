import { test } from "node:test";
import assert from "node:assert/strict";
import { context, trace } from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { installContextPropagation } from "./context-setup.js";
import { addLogTap, configureLogging, logger, type TappedLogRecord } from "./log.js";

test("a log tap gets its targets' events whatever the filter, with the active span's ids; removed, nothing is built", () => {
  installContextPropagation();
  const local: string[] = [];
  const restore = configureLogging({ filter: "off", sink: (r) => local.push(r.message) });
  const timing = logger("test_tap::timing");
  const other = logger("test_tap::other");
  try {
    let built = 0;
    const fields = () => {
      built++;
      return { "event.name": "codex.tool_call", call_id: "c1" };
    };
    assert.equal(timing.enabled("info"), false);
    timing.info("before", fields);
    assert.equal(built, 0, "no tap, filter off: the fields are never built");

    const seen: TappedLogRecord[] = [];
    const remove = addLogTap({
      level: (target) => (target === "test_tap::timing" ? "info" : undefined),
      record: (r) => seen.push(r),
    });
    assert.equal(timing.enabled("info"), true);
    assert.equal(timing.enabled("debug"), false, "only up to the level the tap wants");
    assert.equal(other.enabled("info"), false);
    const span = new BasicTracerProvider().getTracer("t").startSpan("tool");
    const ctx = span.spanContext();
    timing.info("tool call completed", fields);
    assert.deepEqual(
      seen.map((r) => [r.message, r.fields?.call_id, r.traceId, r.spanId]),
      [["tool call completed", "c1", "", ""]],
    );
    context.with(trace.setSpan(context.active(), span), () => timing.info("in span", fields));
    assert.deepEqual([seen[1]?.traceId, seen[1]?.spanId], [ctx.traceId, ctx.spanId]);
    timing.debug("too verbose", fields);
    other.info("not tapped", fields);
    assert.equal(seen.length, 2);
    assert.deepEqual(local, [], "the local filter still decides what stderr gets");

    remove();
    built = 0;
    timing.info("after", fields);
    assert.equal(timing.enabled("info"), false);
    assert.equal(built, 0);
  } finally {
    restore();
  }
});
