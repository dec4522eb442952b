import { ErrorCode } from "../protocol/index.js";
import { JsonRpcError } from "../rpc/index.js";
import type { ExecBudget } from "./budget.js";
import type { OutputRing } from "./output-ring.js";

/**
 * One connection's share of the limits: the processes it has running and the output bytes it
 * retains, counted against its own ceilings and the server-wide budget together.
 */
export class SessionLimits {
  private running = 0;
  private retained = 0;

  constructor(
    private readonly maxProcesses: number,
    private readonly maxRetainedOutputBytes: number,
    private readonly budget: ExecBudget,
  ) {}

  /** Takes a process slot here and in the budget, or throws `ServerOverloaded`. */
  acquireProcess(): void {
    if (this.running >= this.maxProcesses) {
      throw new JsonRpcError(
        ErrorCode.ServerOverloaded,
        `process limit reached: ${this.running} processes running on this connection (max ${this.maxProcesses}); wait for one to exit or terminate one`,
      );
    }
    if (!this.budget.acquireProcess()) {
      throw new JsonRpcError(
        ErrorCode.ServerOverloaded,
        `process limit reached: ${this.budget.processes} processes running on this exec-server (max ${this.budget.maxProcesses})`,
      );
    }
    this.running++;
  }

  releaseProcess(): void {
    this.running--;
    this.budget.releaseProcess();
  }

  retainedChanged(delta: number): void {
    this.retained += delta;
    this.budget.adjustRetained(delta);
  }

  /** Evicts the oldest output of the largest ring until this connection and the server fit. */
  enforceRetained(processes: ReadonlyMap<string, { readonly ring: OutputRing }>): void {
    while (this.retained > this.maxRetainedOutputBytes || this.budget.overRetained) {
      let largest: { readonly ring: OutputRing } | undefined;
      for (const p of processes.values()) if (!largest || p.ring.bytes > largest.ring.bytes) largest = p;
      const freed = largest?.ring.evictOldest() ?? 0;
      if (freed === 0) return;
      this.retainedChanged(-freed);
    }
  }
}
