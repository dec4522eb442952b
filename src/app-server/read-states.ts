import { randomUUID } from "node:crypto";
import type { CoreThread } from "../core/index.js";
import type { ThreadReadState } from "../protocol/index.js";
import { JsonRpcError } from "../rpc/index.js";

/**
 * Each durable thread's read state (`thread/readState/*`): the first turn whose result the user
 * has not seen, guarded by an opaque revision that changes on every change. A completed turn
 * makes the thread unread at that turn (unless something earlier is already unread); the client
 * marks it read or unread with the revision it saw.
 *
 * Kept in memory for the life of the process, so a restarted server reports every thread read.
 */
export class ThreadReadStates {
  private readonly states = new Map<string, ThreadReadState>();
  private readonly watched = new WeakSet<CoreThread>();

  constructor(private readonly broadcast: (threadId: string, state: ThreadReadState) => void) {}

  get(threadId: string): ThreadReadState {
    let s = this.states.get(threadId);
    if (!s) {
      s = { firstUnread: null, revision: randomUUID() };
      this.states.set(threadId, s);
    }
    return s;
  }

  /** Follows a thread's turns; ephemeral threads have no read state to track. */
  watch(thread: CoreThread): void {
    if (thread.meta.ephemeral || this.watched.has(thread)) return;
    this.watched.add(thread);
    const stop = thread.onEvent((event) => {
      if (event.type === "closed") {
        stop();
        return;
      }
      if (event.type !== "turn_completed") return;
      if (this.get(thread.id).firstUnread !== null) return;
      this.set(thread.id, { type: "turn", turnId: event.turn.id });
    });
  }

  /** `thread/readState/update`: refused (-32600) when the caller saw an older revision. */
  update(
    threadId: string,
    operation: "read" | "unread",
    expectedRevision: string,
    lastTurnId: string | undefined,
  ): ThreadReadState {
    const current = this.get(threadId);
    if (current.revision !== expectedRevision) {
      throw JsonRpcError.invalidRequest(
        `thread ${threadId} read state changed since revision ${expectedRevision}; read it again`,
      );
    }
    if (operation === "read") return current.firstUnread === null ? current : this.set(threadId, null);
    if (current.firstUnread !== null) return current;
    // Unread from the latest turn; a thread without turns is unread from its start.
    return this.set(threadId, lastTurnId ? { type: "turn", turnId: lastTurnId } : { type: "threadStart" });
  }

  private set(threadId: string, firstUnread: ThreadReadState["firstUnread"]): ThreadReadState {
    const next = { firstUnread, revision: randomUUID() };
    this.states.set(threadId, next);
    this.broadcast(threadId, next);
    return next;
  }

  forget(threadId: string): void {
    this.states.delete(threadId);
  }
}
