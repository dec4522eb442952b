import type { TokenUsage } from "../model-client/index.js";
import type { TokenUsageBreakdown } from "../protocol/index.js";
import type { TokenUsageCounts } from "../rollout-trace/index.js";

// One token-usage vocabulary inside core: the wire breakdown; mapped once to the rollout shape.

export function zeroUsage(): TokenUsageBreakdown {
  return {
    totalTokens: 0,
    inputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    outputTokens: 0,
    reasoningOutputTokens: 0,
  };
}

export function fromModelUsage(u: TokenUsage): TokenUsageBreakdown {
  return {
    totalTokens: u.totalTokens,
    inputTokens: u.inputTokens,
    cachedInputTokens: u.cachedInputTokens,
    cacheWriteInputTokens: 0,
    outputTokens: u.outputTokens,
    reasoningOutputTokens: u.reasoningOutputTokens,
  };
}

export function addUsage(a: TokenUsageBreakdown, b: TokenUsageBreakdown): TokenUsageBreakdown {
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
export function usageSince(a: TokenUsageBreakdown, b: TokenUsageBreakdown): TokenUsageBreakdown {
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

export function toRolloutUsage(u: TokenUsageBreakdown): TokenUsageCounts {
  return {
    input_tokens: u.inputTokens,
    cached_input_tokens: u.cachedInputTokens,
    cache_write_input_tokens: u.cacheWriteInputTokens,
    output_tokens: u.outputTokens,
    reasoning_output_tokens: u.reasoningOutputTokens,
    total_tokens: u.totalTokens,
  };
}
