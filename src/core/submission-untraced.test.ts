import { test } from "node:test";
import assert from "node:assert/strict";
import { withSpan } from "../telemetry/index.js";
import { SubmissionLoop } from "./submission-loop.js";

test("with tracing off, a submission from inside a (non-recording) span carries no trace", async () => {
  const loop = new SubmissionLoop(() => {});
  const submission = withSpan("request", {}, () => loop.submit({ type: "interrupt" }));
  assert.equal(submission.trace, undefined);
  await loop.idle();
});
