import type { CoreEvent } from "../events.js";
import type { ApprovalDecision, ApprovalRequest } from "./types.js";

/**
 * A thread's approval requests in flight and what it approved for the session. A request
 * resolves once: with the client's answer, or `cancel` when the turn is interrupted first. Each
 * request is announced (`approval_requested`) and its end too (`approval_resolved`), whichever
 * way it ends; `onWaitingChanged` fires when the thread starts or stops waiting on one.
 */
export class ApprovalBroker {
  private readonly pending = new Map<string, (d: ApprovalDecision) => void>();
  /** Keys (a command line, a file path) the client accepted for the session. */
  private readonly approved = new Set<string>();
  private nextId = 1;

  constructor(
    private readonly emit: (event: CoreEvent) => void,
    private readonly onWaitingChanged: () => void,
  ) {}

  get waiting(): boolean {
    return this.pending.size > 0;
  }

  newId(itemId: string): string {
    return `${itemId}:approval:${this.nextId++}`;
  }

  isApprovedForSession(key: string): boolean {
    return this.approved.has(key);
  }

  approveForSession(keys: readonly string[]): void {
    for (const k of keys) this.approved.add(k);
  }

  /** Asks the client; resolves with the answer, or `cancel` once `signal` aborts. */
  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision> {
    if (signal.aborted) return Promise.resolve("cancel");
    return new Promise((resolve) => {
      const onAbort = () => this.answer(request.id, "cancel");
      this.pending.set(request.id, (d) => {
        signal.removeEventListener("abort", onAbort);
        resolve(d);
      });
      signal.addEventListener("abort", onAbort, { once: true });
      if (this.pending.size === 1) this.onWaitingChanged();
      this.emit({ type: "approval_requested", request });
    });
  }

  /** Settles a pending request; false when it is not pending (already answered, or unknown). */
  answer(id: string, decision: ApprovalDecision): boolean {
    const settle = this.pending.get(id);
    if (!settle) return false;
    this.pending.delete(id);
    this.emit({ type: "approval_resolved", requestId: id });
    if (this.pending.size === 0) this.onWaitingChanged();
    settle(decision);
    return true;
  }
}
