import { test } from "node:test";
import assert from "node:assert/strict";
import { ParallelGate } from "./parallel.js";

/** Runs `jobs` through the gate, each holding it for one tick, and returns the event order. */
async function trace(gate: ParallelGate, jobs: { name: string; exclusive: boolean }[]): Promise<string[]> {
  const log: string[] = [];
  await Promise.all(
    jobs.map(async (j) => {
      const release = await gate.acquire(j.exclusive);
      log.push(`+${j.name}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`-${j.name}`);
      release();
    }),
  );
  return log;
}

test("parallel-safe calls share the gate", async () => {
  const log = await trace(new ParallelGate(), [
    { name: "a", exclusive: false },
    { name: "b", exclusive: false },
  ]);
  assert.deepEqual(log.slice(0, 2), ["+a", "+b"]);
});

test("an exclusive call runs alone, and calls after it wait for it (arrival order)", async () => {
  const log = await trace(new ParallelGate(), [
    { name: "a", exclusive: false },
    { name: "x", exclusive: true },
    { name: "b", exclusive: false },
  ]);
  assert.deepEqual(log, ["+a", "-a", "+x", "-x", "+b", "-b"]);
});

test("a call aborted while waiting never runs and does not block the gate", async () => {
  const gate = new ParallelGate();
  const release = await gate.acquire(true);
  const ac = new AbortController();
  const waiting = gate.acquire(false, ac.signal);
  ac.abort(new Error("interrupted"));
  await assert.rejects(waiting, /interrupted/);
  release();
  const again = await gate.acquire(true);
  again();
});
