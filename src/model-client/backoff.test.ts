import { test } from "node:test";
import assert from "node:assert/strict";
import { abortableSleep, backoffMs, isRetryableStatus, retryAfterMs } from "./backoff.js";

const headers = (h: Record<string, string>) => new Headers(h);

test("backoff doubles per attempt with ±10% jitter", () => {
  assert.equal(
    backoffMs(1, () => 0.5),
    200,
  );
  assert.equal(
    backoffMs(2, () => 0.5),
    400,
  );
  assert.equal(
    backoffMs(3, () => 0),
    720,
  );
  assert.equal(
    backoffMs(3, () => 1),
    880,
  );
});

test("Retry-After is read as seconds, an HTTP date, or retry-after-ms", () => {
  assert.equal(retryAfterMs(headers({ "retry-after": "2" })), 2000);
  assert.equal(retryAfterMs(headers({ "retry-after": "0.5" })), 500);
  assert.equal(retryAfterMs(headers({ "retry-after-ms": "250", "retry-after": "9" })), 250);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(retryAfterMs(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }), now), 3000);
  assert.equal(retryAfterMs(headers({ "retry-after": "soon" })), undefined);
  assert.equal(retryAfterMs(headers({})), undefined);
  assert.equal(retryAfterMs(headers({ "retry-after": "86400" })), 120_000, "capped");
});

test("429 and 5xx are retryable, other 4xx are not", () => {
  assert.deepEqual([429, 500, 503, 400, 401, 404].map(isRetryableStatus), [
    true,
    true,
    true,
    false,
    false,
    false,
  ]);
});

test("an abortable sleep rejects with the signal's reason as soon as it aborts", async () => {
  const c = new AbortController();
  const t0 = performance.now();
  const p = abortableSleep(10_000, c.signal);
  setTimeout(() => c.abort(new Error("stop")), 10);
  await assert.rejects(p, /stop/);
  assert.ok(performance.now() - t0 < 1000);
});
