import { test } from "node:test";
import assert from "node:assert/strict";
import { approxTokenCount, truncateMiddle } from "./truncate.js";

test("text within the budget is returned unchanged", () => {
  const r = truncateMiddle("hello world", 10);
  assert.deepEqual(r, { text: "hello world", truncated: false, originalTokens: 3 });
});

test("long text keeps its head and tail around a marker naming the dropped tokens", () => {
  const text = "A".repeat(400) + "B".repeat(4000) + "C".repeat(400);
  const r = truncateMiddle(text, 100);
  assert.equal(r.truncated, true);
  assert.equal(r.originalTokens, 1200);
  assert.match(r.text, /^A{200}…1100 tokens truncated…C{200}$/);
});

test("multi-byte characters are never split", () => {
  const text = "é".repeat(1000);
  const r = truncateMiddle(text, 10);
  assert.equal(r.truncated, true);
  assert.doesNotMatch(r.text, /\uFFFD/);
  assert.ok(approxTokenCount(r.text) < 30);
});
