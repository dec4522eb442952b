import { logger, withSpan } from "../../telemetry/index.js";
import type { TaskOutcome, TurnContext } from "../tasks/task.js";
import { runCompaction } from "./run.js";

const log = logger("spool_core::compact");

/**
 * `model_auto_compact_token_limit`, else 90% of `model_context_window` (Codex's default when
 * the window is known), else none: auto-compaction is off.
 */
export function autoCompactLimit(cfg: {
  model_auto_compact_token_limit?: number;
  model_context_window?: number;
}): number | null {
  if (cfg.model_auto_compact_token_limit !== undefined) return cfg.model_auto_compact_token_limit;
  if (cfg.model_context_window !== undefined) return Math.floor(cfg.model_context_window * 0.9);
  return null;
}

/**
 * Compacts inside the running turn when its context has reached the limit (Codex checks before
 * the turn's first request and after a response that needs a follow-up). Returns the outcome
 * that must end the turn when the compaction did not succeed, else undefined.
 */
export async function autoCompactIfNeeded(
  ctx: TurnContext,
  signal: AbortSignal,
): Promise<TaskOutcome | undefined> {
  const limit = ctx.settings.autoCompactTokenLimit;
  if (limit === null || limit === undefined) return undefined;
  const tokens = ctx.contextTokens();
  if (tokens < limit) return undefined;
  log.info("context reached the auto-compact limit; compacting", {
    "thread.id": ctx.threadId,
    "turn.id": ctx.turnId,
    tokens,
    limit,
  });
  const outcome = await withSpan(
    "run_auto_compact",
    { "codex.compaction.tokens": tokens, "codex.compaction.limit": limit },
    () => runCompaction(ctx, signal, "auto"),
  );
  return outcome.status === "completed" ? undefined : outcome;
}
