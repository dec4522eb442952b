import { test } from "node:test";
import assert from "node:assert/strict";
import { OutputRing } from "./output-ring.js";

const chunk = (seq: number, size: number) => ({
  seq,
  stream: "stdout" as const,
  bytes: Buffer.alloc(size, seq),
});

test("the ring keeps the newest chunks within its capacity and evicts the oldest", () => {
  const ring = new OutputRing(100);
  for (let seq = 1; seq <= 10; seq++) ring.push(chunk(seq, 30));
  assert.ok(ring.bytes <= 100);
  const { chunks, droppedBytes } = ring.read(0, Infinity);
  assert.deepEqual(
    chunks.map((c) => c.seq),
    [8, 9, 10],
  );
  assert.equal(droppedBytes, 7 * 30);
});

test("droppedBytes counts only evicted output after afterSeq", () => {
  const ring = new OutputRing(100);
  for (let seq = 1; seq <= 10; seq++) ring.push(chunk(seq, 30));
  assert.equal(ring.read(5, Infinity).droppedBytes, 2 * 30);
  assert.equal(ring.read(7, Infinity).droppedBytes, 0);
  assert.equal(ring.read(9, Infinity).droppedBytes, 0);
  assert.deepEqual(
    ring.read(9, Infinity).chunks.map((c) => c.seq),
    [10],
  );
});

test("maxBytes returns at least one chunk, then stops before exceeding the budget", () => {
  const ring = new OutputRing(1000);
  for (let seq = 1; seq <= 5; seq++) ring.push(chunk(seq, 30));
  assert.deepEqual(
    ring.read(0, 10).chunks.map((c) => c.seq),
    [1],
  );
  assert.deepEqual(
    ring.read(0, 60).chunks.map((c) => c.seq),
    [1, 2],
  );
  assert.deepEqual(
    ring.read(0, 70).chunks.map((c) => c.seq),
    [1, 2],
  );
});

test("seqs skipped by exit and close events do not confuse reads", () => {
  const ring = new OutputRing(1000);
  ring.push(chunk(1, 10));
  ring.push(chunk(3, 10));
  assert.deepEqual(
    ring.read(1, Infinity).chunks.map((c) => c.seq),
    [3],
  );
  assert.deepEqual(
    ring.read(2, Infinity).chunks.map((c) => c.seq),
    [3],
  );
});

test("a long-running flood keeps both the data and the eviction history bounded", () => {
  const ring = new OutputRing(64);
  for (let seq = 1; seq <= 50_000; seq++) ring.push(chunk(seq, 8));
  assert.ok(ring.bytes <= 64);
  const { chunks, droppedBytes } = ring.read(49_990, Infinity);
  assert.deepEqual(
    chunks.map((c) => c.seq),
    [49_993, 49_994, 49_995, 49_996, 49_997, 49_998, 49_999, 50_000],
  );
  assert.equal(droppedBytes, 2 * 8);
  assert.equal(ring.read(0, Infinity).droppedBytes, 49_992 * 8);
});
