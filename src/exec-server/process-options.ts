import type { ExecBudget } from "./budget.js";

/** Tunables of the process service; every field has a default. */
export interface ExecServerOptions {
  /** Output bytes retained per process for `process/read` (default 4 MiB). */
  retainedOutputBytes?: number;
  /** Time between SIGTERM and SIGKILL when terminating (default 2000 ms). */
  terminateGraceMs?: number;
  /** How long a closed process stays readable before it is forgotten (default 30 s). */
  closedProcessRetentionMs?: number;
  /** Unsent notification bytes above which process output is paused (default 1 MiB). */
  outputHighWaterBytes?: number;
  /** Processes one connection may have running at once (default 64). */
  maxProcesses?: number;
  /** Output bytes retained across all of one connection's processes (default 64 MiB). */
  maxRetainedOutputBytes?: number;
  /** Stdin bytes queued for a child not yet reading, past which a write is refused (default 1 MiB). */
  maxPendingStdinBytes?: number;
  /** Longest `process/read` long-poll; a larger `waitMs` is clamped to it (default 60 s). */
  maxWaitMs?: number;
  /**
   * Server-wide limits shared by every connection; default: one of its own per connection (256
   * processes, 256 MiB retained), which a listener replaces with one shared budget.
   */
  budget?: ExecBudget;
}

/** The per-connection tunables with every default filled in. */
export type SessionTunables = Required<Omit<ExecServerOptions, "budget">>;

/** Defaults of the server-wide budget a listener shares across its connections. */
export const DEFAULT_TOTAL_PROCESSES = 256;
export const DEFAULT_TOTAL_RETAINED_OUTPUT_BYTES = 256 * 1024 * 1024;

export const DEFAULT_SESSION_TUNABLES: SessionTunables = {
  retainedOutputBytes: 4 * 1024 * 1024,
  terminateGraceMs: 2000,
  closedProcessRetentionMs: 30_000,
  outputHighWaterBytes: 1024 * 1024,
  maxProcesses: 64,
  maxRetainedOutputBytes: 64 * 1024 * 1024,
  maxPendingStdinBytes: 1024 * 1024,
  maxWaitMs: 60_000,
};
