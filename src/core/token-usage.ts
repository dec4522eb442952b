import type { TokenUsage } from "../protocol/index.js";

// Arithmetic on the one token-usage shape (protocol's `TokenUsage`).

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    totalTokens: a.totalTokens + b.totalTokens,
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteInputTokens: a.cacheWriteInputTokens + b.cacheWriteInputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    reasoningOutputTokens: a.reasoningOutputTokens + b.reasoningOutputTokens,
  };
}

/** `a - b`, each counter clamped at 0 (spec/tracing.md §7: turn usage = session delta). */
export function usageSince(a: TokenUsage, b: TokenUsage): TokenUsage {
  const d = (x: number, y: number) => Math.max(0, x - y);
  return {
    totalTokens: d(a.totalTokens, b.totalTokens),
    inputTokens: d(a.inputTokens, b.inputTokens),
    cachedInputTokens: d(a.cachedInputTokens, b.cachedInputTokens),
    cacheWriteInputTokens: d(a.cacheWriteInputTokens, b.cacheWriteInputTokens),
    outputTokens: d(a.outputTokens, b.outputTokens),
    reasoningOutputTokens: d(a.reasoningOutputTokens, b.reasoningOutputTokens),
  };
}
