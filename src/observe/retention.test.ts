import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Retention } from "./retention.js";
import { ObserveStore, ObserveStoreError } from "./store.js";
import type { SpanRecord } from "./records.js";

function spans(traceNo: number, count: number, attrBytes = 0): SpanRecord[] {
  const traceId = traceNo.toString(16).padStart(32, "0");
  return Array.from({ length: count }, (_, i) => ({
    traceId,
    spanId: (i + 1).toString(16).padStart(16, "0"),
    parentSpanId: i === 0 ? "" : "0000000000000001",
    traceState: "",
    name: i === 0 ? "turn/start" : `child ${i}`,
    kind: 1,
    statusCode: 0,
    statusMessage: "",
    startNs: 1_000_000n * BigInt(i),
    endNs: 1_000_000n * BigInt(i + 1),
    attributes: { "thread.id": `thr_${traceNo}`, pad: "x".repeat(attrBytes) },
    events: [],
    links: [],
    scope: "test",
    resource: { "service.name": "spool" },
  }));
}

const count = (store: ObserveStore, table: string) =>
  (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

test("traces older than the age limit go, with their thread links; newer ones stay", async () => {
  let now = 1_000_000;
  const store = ObserveStore.open(":memory:", { now: () => now });
  store.insertSpans(spans(1, 5));
  now += 10 * 3600_000;
  store.insertSpans(spans(2, 5));
  const retention = new Retention(
    store,
    { maxAgeMs: 5 * 3600_000, maxBytes: 1 << 30 },
    { now: () => now, chunk: 2 },
  );
  const report = await retention.enforce();
  assert.deepEqual([report.spans, report.traces], [5, 1]);
  assert.deepEqual(store.db.prepare("SELECT thread_id FROM trace_threads").all(), [{ thread_id: "thr_2" }]);
  assert.equal(count(store, "spans"), 5);
  store.close();
});

test("over the size limit the oldest traces are deleted down to 90 %, in steps that leave the loop free", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spool-retention-"));
  try {
    const store = ObserveStore.open(join(dir, "s.sqlite"));
    for (let t = 1; t <= 20; t++) store.insertSpans(spans(t, 50, 2000));
    const full = store.usedBytes();
    const limit = Math.floor(full / 2);
    const retention = new Retention(store, { maxAgeMs: 1e12, maxBytes: limit }, { chunk: 20 });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const done = retention.enforce();
    // Ingestion goes on while retention runs.
    store.insertSpans(spans(99, 3));
    await done;
    clearInterval(ticker);
    assert.ok(store.usedBytes() <= limit * 0.9, `${store.usedBytes()} <= ${limit * 0.9}`);
    assert.ok(ticks > 0, "timers ran between retention steps");
    const left = store.db.prepare("SELECT trace_id FROM traces ORDER BY trace_id").all() as {
      trace_id: string;
    }[];
    assert.ok(left.length < 21 && left.length > 0);
    assert.equal(left.at(-1)!.trace_id, (99).toString(16).padStart(32, "0"), "the newest trace is kept");
    assert.equal(left[0]!.trace_id > (1).toString(16).padStart(32, "0"), true, "the oldest went first");
    assert.equal(store.db.pragma("integrity_check", { simple: true }), "ok");
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a file that is not a store is refused with the path, and is left untouched", () => {
  const dir = mkdtempSync(join(tmpdir(), "spool-store-"));
  try {
    const path = join(dir, "observe.sqlite");
    writeFileSync(path, "not a database at all, just text that is long enough to look like a header");
    assert.throws(
      () => ObserveStore.open(path),
      (err: Error) => err instanceof ObserveStoreError && err.message.includes(path),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the store survives reopening: what was written is read back", () => {
  const dir = mkdtempSync(join(tmpdir(), "spool-store-"));
  try {
    const path = join(dir, "observe.sqlite");
    const a = ObserveStore.open(path);
    a.insertSpans(spans(7, 3));
    a.close();
    const b = ObserveStore.open(path, { readonly: true });
    assert.equal(count(b, "spans"), 3);
    assert.throws(() => b.insertSpans(spans(8, 1)), ObserveStoreError);
    b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
