import { logger } from "../telemetry/index.js";
import type { ObserveStore } from "./store.js";

const log = logger("spool_observe::retention");

export interface RetentionSettings {
  /** Traces, logs and metric points received longer ago than this are deleted. */
  maxAgeMs: number;
  /** When the store uses more than this, the oldest traces go first, down to 90 % of it. */
  maxBytes: number;
}

export interface RetentionOptions {
  /** How often the policy is checked; default 60 s. */
  intervalMs?: number;
  /** Rows deleted per step: each step is one short transaction; default 2000. */
  chunk?: number;
  now?: () => number;
}

export interface RetentionReport {
  spans: number;
  logs: number;
  metricPoints: number;
  traces: number;
}

const LOW_WATER = 0.9;

/**
 * Enforces age and size limits on a store in small steps (one bounded transaction each, with
 * the event loop free in between), so ingestion interleaves with a large clean-up instead of
 * waiting for it. Freed pages go back to the file system through incremental vacuum.
 */
export class Retention {
  private readonly chunk: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionReport> | undefined;
  private shrinking = false;

  constructor(
    private readonly store: ObserveStore,
    private readonly settings: RetentionSettings,
    private readonly options: RetentionOptions = {},
  ) {
    this.chunk = options.chunk ?? 2000;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.enforce().catch((err: unknown) => log.warn("retention step failed", { error: String(err) }));
    };
    this.timer = setInterval(tick, this.options.intervalMs ?? 60_000);
    this.timer.unref();
    tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs steps until the policy holds; concurrent calls share one run. */
  enforce(): Promise<RetentionReport> {
    this.running ??= (async () => {
      const report: RetentionReport = { spans: 0, logs: 0, metricPoints: 0, traces: 0 };
      try {
        while (this.step(report)) await new Promise<void>((r) => setImmediate(r));
      } finally {
        this.running = undefined;
      }
      if (report.spans + report.logs + report.metricPoints > 0) {
        this.store.db.pragma("incremental_vacuum");
        log.debug("retention deleted", { ...report });
      }
      return report;
    })();
    return this.running;
  }

  /** One bounded unit of work; false when nothing is left to delete. */
  step(report: RetentionReport): boolean {
    const cutoff = this.now() - this.settings.maxAgeMs;
    const old = this.store
      .stmt("SELECT trace_id FROM traces WHERE received_ms < ? ORDER BY received_ms LIMIT 1")
      .get(cutoff) as { trace_id: string } | undefined;
    if (old) return (this.deleteTraceChunk(old.trace_id, report), true);
    const logs = this.store
      .stmt("DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE received_ms < ? LIMIT ?)")
      .run(cutoff, this.chunk).changes;
    const points = this.store
      .stmt(
        "DELETE FROM metric_points WHERE id IN (SELECT id FROM metric_points WHERE received_ms < ? LIMIT ?)",
      )
      .run(cutoff, this.chunk).changes;
    report.logs += logs;
    report.metricPoints += points;
    if (logs + points > 0) return true;
    return this.shrinkStep(report);
  }

  private shrinkStep(report: RetentionReport): boolean {
    const used = this.store.usedBytes();
    if (used > this.settings.maxBytes) this.shrinking = true;
    if (!this.shrinking || used <= this.settings.maxBytes * LOW_WATER) {
      this.shrinking = false;
      return false;
    }
    const oldest = this.store.stmt("SELECT trace_id FROM traces ORDER BY received_ms LIMIT 1").get() as
      { trace_id: string } | undefined;
    if (oldest) return (this.deleteTraceChunk(oldest.trace_id, report), true);
    const logs = this.store
      .stmt("DELETE FROM logs WHERE id IN (SELECT id FROM logs ORDER BY id LIMIT ?)")
      .run(this.chunk).changes;
    const points = this.store
      .stmt("DELETE FROM metric_points WHERE id IN (SELECT id FROM metric_points ORDER BY id LIMIT ?)")
      .run(this.chunk).changes;
    report.logs += logs;
    report.metricPoints += points;
    if (logs + points === 0) this.shrinking = false;
    return logs + points > 0;
  }

  /** Deletes up to one chunk of a trace's spans; the trace's other rows go with its last chunk. */
  private deleteTraceChunk(traceId: string, report: RetentionReport): void {
    const s = this.store;
    s.db.transaction(() => {
      const spans = s
        .stmt("DELETE FROM spans WHERE id IN (SELECT id FROM spans WHERE trace_id = ? LIMIT ?)")
        .run(traceId, this.chunk).changes;
      report.spans += spans;
      if (spans < this.chunk) {
        report.logs += s.stmt("DELETE FROM logs WHERE trace_id = ?").run(traceId).changes;
        s.stmt("DELETE FROM trace_threads WHERE trace_id = ?").run(traceId);
        s.stmt("DELETE FROM turns WHERE trace_id = ?").run(traceId);
        s.stmt("DELETE FROM traces WHERE trace_id = ?").run(traceId);
        report.traces++;
      }
    })();
  }
}
