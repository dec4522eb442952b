import { test } from "node:test";
import assert from "node:assert/strict";
import { SpanKind, trace } from "@opentelemetry/api";
import type { Submission } from "../protocol/index.js";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { configureLogging, installTelemetry, withSpan, type LogRecord } from "../telemetry/index.js";
import { SubmissionLoop, dispatchParent } from "./submission-loop.js";

const exporter = new InMemorySpanExporter();
installTelemetry({ exporters: { traces: exporter }, processor: "simple", env: {} });
const warnings: LogRecord[] = [];
configureLogging({ filter: "warn", sink: (r) => warnings.push(r) });

function until(pred: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (pred() ? resolve() : setImmediate(check));
    check();
  });
}

test("submit() captures the current span into Submission.trace and the dispatch span continues it", async () => {
  const handled: Submission[] = [];
  const loop = new SubmissionLoop((s) => void handled.push(s));
  let requestSpanId = "";
  let traceId = "";
  const submission = withSpan("request", {}, (span) => {
    requestSpanId = span.spanContext().spanId;
    traceId = span.spanContext().traceId;
    return loop.submit({ type: "interrupt" });
  });
  assert.equal(submission.trace?.traceparent, `00-${traceId}-${requestSpanId}-01`);
  await until(() => handled.length === 1);
  const dispatch = exporter.getFinishedSpans().find((s) => s.name === "op.dispatch.interrupt")!;
  assert.equal(dispatch.kind, SpanKind.INTERNAL);
  assert.equal(dispatch.spanContext().traceId, traceId);
  assert.equal(dispatch.parentSpanContext?.spanId, requestSpanId);
  assert.equal(dispatch.attributes["codex.op"], "interrupt");
  assert.equal(dispatch.attributes["submission.id"], submission.id);
});

test("outside any span, a submission carries no trace and its dispatch span is a root", async () => {
  exporter.reset();
  const loop = new SubmissionLoop(() => {});
  const submission = loop.submit({ type: "shutdown" });
  assert.equal(submission.trace, undefined);
  await until(() => exporter.getFinishedSpans().length === 1);
  const [dispatch] = exporter.getFinishedSpans();
  assert.equal(dispatch!.name, "op.dispatch.shutdown");
  assert.equal(dispatch!.parentSpanContext, undefined);
});

test("the dispatch span ends when the handler returns, while work it started goes on", async () => {
  exporter.reset();
  let finishLater!: () => void;
  const later = new Promise<void>((r) => (finishLater = r));
  const loop = new SubmissionLoop(() => {
    void withSpan("long_task", {}, () => later);
  });
  loop.submit({ type: "compact" });
  await until(() => exporter.getFinishedSpans().some((s) => s.name === "op.dispatch.compact"));
  assert.equal(
    exporter.getFinishedSpans().some((s) => s.name === "long_task"),
    false,
  );
  finishLater();
  await until(() => exporter.getFinishedSpans().some((s) => s.name === "long_task"));
  const task = exporter.getFinishedSpans().find((s) => s.name === "long_task")!;
  const dispatch = exporter.getFinishedSpans().find((s) => s.name === "op.dispatch.compact")!;
  assert.equal(task.parentSpanContext?.spanId, dispatch.spanContext().spanId);
});

test("an invalid submission carrier is ignored with one warning naming the submission", () => {
  warnings.length = 0;
  const ctx = dispatchParent({ id: "sub-1", op: { type: "interrupt" }, trace: { traceparent: "00-zz-01" } });
  assert.equal(trace.getSpanContext(ctx), undefined);
  const warned = warnings.filter((w) => w.message === "ignoring invalid submission trace carrier");
  assert.equal(warned.length, 1);
  assert.deepEqual(warned[0]!.fields, { "submission.id": "sub-1" });
});

test("submissions are handled one at a time, in order", async () => {
  const order: string[] = [];
  const loop = new SubmissionLoop(async (s) => {
    order.push(`start ${s.op.type}`);
    await new Promise((r) => setTimeout(r, 5));
    order.push(`end ${s.op.type}`);
  });
  loop.submit({ type: "interrupt" });
  loop.submit({ type: "compact" });
  await loop.idle();
  assert.deepEqual(order, ["start interrupt", "end interrupt", "start compact", "end compact"]);
});
