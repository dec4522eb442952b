import type { UnifiedExecSession } from "./unified-exec-session.js";

// Codex's unified exec limits (`codex-rs/core/src/unified_exec/mod.rs`).
export const MIN_YIELD_TIME_MS = 250;
export const MAX_YIELD_TIME_MS = 30_000;
/** An empty `write_stdin` (a poll) waits at least this long, unless the process ends first. */
export const MIN_EMPTY_YIELD_TIME_MS = 5_000;
export const MAX_BACKGROUND_TERMINAL_TIMEOUT_MS = 300_000;
export const DEFAULT_EXEC_YIELD_TIME_MS = 10_000;
export const DEFAULT_WRITE_STDIN_YIELD_TIME_MS = 250;
/** Live sessions one thread keeps; storing one more prunes one. */
export const MAX_UNIFIED_EXEC_PROCESSES = 64;
/** The most recently used sessions, which pruning never picks. */
const PROTECTED_RECENT = 8;
/** How long ending a thread waits for each of its processes to close. */
const END_WAIT_MS = 5_000;

/** `exec_command`'s wait: `yield_time_ms` (default 10 s) clamped to 250 ms – 30 s. */
export function execYieldTime(requested: number | undefined): number {
  return clamp(requested ?? DEFAULT_EXEC_YIELD_TIME_MS, MIN_YIELD_TIME_MS, MAX_YIELD_TIME_MS);
}

/** `write_stdin`'s wait: a write 250 ms – 30 s (default 250 ms); a poll 5 s – 300 s. */
export function writeStdinYieldTime(requested: number | undefined, poll: boolean): number {
  const ms = requested ?? DEFAULT_WRITE_STDIN_YIELD_TIME_MS;
  return poll
    ? clamp(ms, MIN_EMPTY_YIELD_TIME_MS, MAX_BACKGROUND_TERMINAL_TIMEOUT_MS)
    : clamp(ms, MIN_YIELD_TIME_MS, MAX_YIELD_TIME_MS);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

/** What pruning looks at: when each session was last used and whether it has exited. */
export interface PruneMeta {
  id: string;
  lastUsed: number;
  exited: boolean;
}

/**
 * Codex's pruning choice: never one of the 8 most recently used; of the rest, the least
 * recently used that has exited, else the least recently used.
 */
export function sessionToPrune(meta: readonly PruneMeta[]): string | undefined {
  const byRecency = [...meta].sort((a, b) => b.lastUsed - a.lastUsed);
  const protectedIds = new Set(byRecency.slice(0, PROTECTED_RECENT).map((m) => m.id));
  const lru = [...meta].sort((a, b) => a.lastUsed - b.lastUsed).filter((m) => !protectedIds.has(m.id));
  return (lru.find((m) => m.exited) ?? lru[0])?.id;
}

/**
 * The sessions the model was told are still running, per thread: what `write_stdin` reaches
 * by `session_id`. A session leaves when a call reports its exit, when it is pruned, or when
 * its thread ends (which terminates it).
 */
export class UnifiedExecSessions {
  private readonly threads = new Map<string, Map<string, UnifiedExecSession>>();

  get(threadId: string, processId: string): UnifiedExecSession | undefined {
    return this.threads.get(threadId)?.get(processId);
  }

  /** Stores a session, first pruning (and terminating) one if the thread is at its limit. */
  store(session: UnifiedExecSession): void {
    let sessions = this.threads.get(session.threadId);
    if (!sessions) {
      sessions = new Map();
      this.threads.set(session.threadId, sessions);
    }
    if (sessions.size >= MAX_UNIFIED_EXEC_PROCESSES) {
      const victim = sessionToPrune(
        [...sessions.values()].map((s) => ({ id: s.processId, lastUsed: s.lastUsed, exited: s.exited })),
      );
      if (victim !== undefined) {
        sessions.get(victim)?.terminate("cancelled");
        sessions.delete(victim);
      }
    }
    sessions.set(session.processId, session);
  }

  remove(session: UnifiedExecSession): void {
    const sessions = this.threads.get(session.threadId);
    if (sessions?.get(session.processId) !== session) return;
    sessions.delete(session.processId);
    if (sessions.size === 0) this.threads.delete(session.threadId);
  }

  /** Live sessions of a thread. */
  count(threadId: string): number {
    return this.threads.get(threadId)?.size ?? 0;
  }

  /** Terminates a thread's sessions and waits (bounded) until each has closed and been recorded. */
  async endThread(threadId: string): Promise<void> {
    const sessions = [...(this.threads.get(threadId)?.values() ?? [])];
    this.threads.delete(threadId);
    await Promise.all(
      sessions.map((s) => {
        s.terminate("cancelled");
        return waitAtMost(s.done, END_WAIT_MS);
      }),
    );
  }
}

function waitAtMost(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
