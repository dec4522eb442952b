import { z } from "zod";

/**
 * Token counts of one response or a running total: the one shape inside Spool, camelCase as the
 * v2 wire's `TokenUsageBreakdown`. The model client maps the Responses API's `usage` into it;
 * rollout-trace maps it to the bundle's snake_case shape.
 */
export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens: number;
  /** Prompt-cache writes (0 where the provider does not report them). */
  cacheWriteInputTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number;
  totalTokens: number;
}

const count = z.number().int().nonnegative();

export const TokenUsageBreakdownSchema = z.object({
  inputTokens: count,
  cachedInputTokens: count,
  cacheWriteInputTokens: count.default(0),
  outputTokens: count,
  reasoningOutputTokens: count,
  totalTokens: count,
});

/** `thread/tokenUsage/updated`'s `tokenUsage` (codex-schema `ThreadTokenUsage`). */
export const ThreadTokenUsageSchema = z.object({
  total: TokenUsageBreakdownSchema,
  last: TokenUsageBreakdownSchema,
  modelContextWindow: z.number().int().nullish(),
});
export type ThreadTokenUsage = z.infer<typeof ThreadTokenUsageSchema>;

export interface ThreadTokenUsageUpdatedNotification {
  threadId: string;
  turnId: string;
  tokenUsage: ThreadTokenUsage;
}

/** A usage with every count 0: the starting total. */
export function emptyTokenUsage(): TokenUsage {
  return {
    inputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    outputTokens: 0,
    reasoningOutputTokens: 0,
    totalTokens: 0,
  };
}

/** The wire mapping: the thread's running total and its last response's usage. */
export function threadTokenUsage(
  total: TokenUsage,
  last: TokenUsage,
  modelContextWindow: number | null = null,
): ThreadTokenUsage {
  return { total: { ...total }, last: { ...last }, modelContextWindow };
}
