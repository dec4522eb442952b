import { test } from "node:test";
import assert from "node:assert/strict";
import { HeadTailText, PendingText } from "./unified-exec-output.js";
import {
  MAX_UNIFIED_EXEC_PROCESSES,
  UnifiedExecSessions,
  execYieldTime,
  sessionToPrune,
  writeStdinYieldTime,
} from "./unified-exec-sessions.js";
import type { UnifiedExecSession } from "./unified-exec-session.js";

test("yield times are clamped as Codex clamps them", () => {
  assert.equal(execYieldTime(undefined), 10_000);
  assert.equal(execYieldTime(10), 250);
  assert.equal(execYieldTime(120_000), 30_000);
  assert.equal(writeStdinYieldTime(undefined, false), 250);
  assert.equal(writeStdinYieldTime(60_000, false), 30_000);
  assert.equal(writeStdinYieldTime(undefined, true), 5_000);
  assert.equal(writeStdinYieldTime(60_000, true), 60_000);
  assert.equal(writeStdinYieldTime(900_000, true), 300_000);
});

test("pruning spares the 8 most recent, then takes the oldest exited, else the oldest", () => {
  const meta = Array.from({ length: 10 }, (_, i) => ({ id: String(i), lastUsed: i, exited: false }));
  assert.equal(sessionToPrune(meta), "0");
  meta[1]!.exited = true;
  assert.equal(sessionToPrune(meta), "1");
  // An exited session among the recent 8 is protected.
  meta[1]!.exited = false;
  meta[5]!.exited = true;
  assert.equal(sessionToPrune(meta), "0");
  assert.equal(sessionToPrune(meta.slice(0, 8)), undefined);
});

function fakeSession(id: number, lastUsed: number): UnifiedExecSession & { terminated: boolean } {
  const s = { processId: String(id), threadId: "t1", lastUsed, exited: false, terminated: false };
  return Object.assign(s, {
    terminate: () => {
      s.terminated = true;
    },
  }) as unknown as UnifiedExecSession & { terminated: boolean };
}

test("a thread holds at most 64 sessions: storing one more terminates the least recently used", () => {
  const store = new UnifiedExecSessions();
  const all = Array.from({ length: MAX_UNIFIED_EXEC_PROCESSES + 1 }, (_, i) => fakeSession(1000 + i, i));
  for (const s of all) store.store(s);
  assert.equal(store.count("t1"), MAX_UNIFIED_EXEC_PROCESSES);
  assert.equal(all[0]!.terminated, true);
  assert.equal(store.get("t1", "1000"), undefined);
  assert.equal(store.get("t1", "1064"), all[64]);
  assert.equal(store.get("t2", "1064"), undefined, "sessions are per thread");
});

test("unread output is bounded, dropping the oldest; the transcript keeps its head and tail", () => {
  const pending = new PendingText(10);
  pending.push("abcdef");
  pending.push("ghijkl");
  assert.equal(pending.length, 10);
  assert.equal(pending.drain(), "cdefghijkl");
  assert.equal(pending.drain(), "");
  const transcript = new HeadTailText(8);
  for (const c of "0123456789") transcript.push(c);
  assert.equal(transcript.text(), "01236789");
});
