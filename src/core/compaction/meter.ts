import type { ResponseInputItem } from "../../model-client/index.js";
import { approxItemTokens } from "./history.js";

/**
 * How full a thread's context is: the model's own count from the last response (input plus
 * output, as Codex reads `total_tokens`) plus an estimate for what history gained since; an
 * estimate of the whole history when no response has been counted since the last compaction.
 */
export class ContextMeter {
  private reported: { tokens: number; historyLength: number } | undefined;

  /** A response's usage, seen when history had `historyLength` items (its output included). */
  observe(totalTokens: number, historyLength: number): void {
    this.reported = { tokens: totalTokens, historyLength };
  }

  /** History was replaced: the last count no longer describes it. */
  reset(): void {
    this.reported = undefined;
  }

  tokens(history: readonly ResponseInputItem[]): number {
    const r = this.reported;
    if (!r || r.historyLength > history.length) return approxItemTokens(history);
    return r.tokens + approxItemTokens(history.slice(r.historyLength));
  }
}
