import type { CoreThread, ThreadManager } from "../core/index.js";
import { ApprovalRequests } from "./approval-requests.js";
import { DynamicToolCalls } from "./dynamic-tool-calls.js";
import { notificationFor } from "./notifications.js";
import type { ConnectionSession } from "./session.js";

/**
 * Which connections receive which thread's notifications. The connection that starts or resumes
 * a thread is subscribed; several may watch one thread; each connection's opt-outs apply. When
 * the last subscriber leaves, core is told so it can unload the thread after its idle time.
 */
export class ThreadSubscriptions {
  private readonly byThread = new Map<string, { sessions: Set<ConnectionSession>; stop: () => void }>();
  private readonly connections = new Set<ConnectionSession>();
  private readonly approvals = new ApprovalRequests();
  private readonly dynamicToolCalls = new DynamicToolCalls();

  constructor(private readonly core: ThreadManager) {
    core.onUnload((threadId) => {
      const entry = this.byThread.get(threadId);
      entry?.stop();
      this.byThread.delete(threadId);
      for (const s of this.connections) {
        s.notify("thread/status/changed", { threadId, status: { type: "notLoaded" } });
        s.notify("thread/closed", { threadId });
      }
    });
  }

  /** A connection that may hear about thread unloads. */
  addConnection(session: ConnectionSession): void {
    this.connections.add(session);
  }

  subscribe(thread: CoreThread, session: ConnectionSession): void {
    let entry = this.byThread.get(thread.id);
    if (!entry) {
      const sessions = new Set<ConnectionSession>();
      const stop = thread.onEvent((event) => {
        if (event.type === "approval_requested")
          return this.approvals.requested(thread, [...sessions], event.request);
        if (event.type === "approval_resolved") return this.approvals.resolved(event.requestId);
        if (event.type === "dynamic_tool_call_requested")
          return this.dynamicToolCalls.requested(thread, [...sessions], event.request);
        if (event.type === "dynamic_tool_call_resolved")
          return this.dynamicToolCalls.resolved(thread.id, event.requestId);
        const n = notificationFor(thread.id, event);
        if (!n) return;
        for (const s of sessions) s.notify(n.method, n.params);
      });
      entry = { sessions, stop };
      this.byThread.set(thread.id, entry);
    }
    entry.sessions.add(session);
    this.core.retain(thread.id);
  }

  /** Sends one notification to every open connection. */
  notifyAll(method: string, params: unknown): void {
    for (const s of this.connections) s.notify(method, params);
  }

  /** Sends one notification to every connection subscribed to a thread. */
  notifySubscribers(threadId: string, method: string, params: unknown): void {
    for (const s of this.byThread.get(threadId)?.sessions ?? []) s.notify(method, params);
  }

  isSubscribed(threadId: string, session: ConnectionSession): boolean {
    return this.byThread.get(threadId)?.sessions.has(session) ?? false;
  }

  /** Removes one subscription; true if the connection was subscribed. */
  unsubscribe(threadId: string, session: ConnectionSession): boolean {
    const entry = this.byThread.get(threadId);
    if (!entry?.sessions.delete(session)) return false;
    if (entry.sessions.size === 0) this.core.release(threadId);
    return true;
  }

  /** A closed connection leaves every thread it watched. */
  dropConnection(session: ConnectionSession): void {
    this.connections.delete(session);
    for (const [threadId, entry] of this.byThread) {
      if (entry.sessions.delete(session) && entry.sessions.size === 0) this.core.release(threadId);
    }
  }
}
