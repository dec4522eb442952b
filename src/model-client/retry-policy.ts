import type { ModelProvider } from "../config/index.js";
import type { AttemptResult } from "./attempt.js";
import { backoffMs, isRetryableStatus } from "./backoff.js";
import { HttpStatusError, ResponseFailedError } from "./errors.js";
import { tokenUsageFromWire, type ResponseStream, type StreamOutcome } from "./response-stream.js";
import { serverErrorOf } from "./wire-events.js";

/** Retries spent so far on one stream. */
export interface RetryBudget {
  request: number;
  stream: number;
}

export type NextStep =
  { retry: true; delayMs: number; reason: string } | { retry: false; outcome: StreamOutcome };

/**
 * What to do after an attempt: 429/5xx and connection failures spend `request_max_retries`
 * (waiting for `Retry-After` when given), a drop before any content spends
 * `stream_max_retries`; everything else ends the stream. Mutates `budget`.
 */
export function nextStep(
  result: AttemptResult,
  stream: ResponseStream,
  provider: ModelProvider,
  budget: RetryBudget,
  random: () => number,
): NextStep {
  const ids = stream.ids();
  const partialOutput = stream.partialOutput;
  switch (result.kind) {
    case "terminal": {
      const ev = result.event;
      if (ev.type === "response.completed") {
        const out = ev.response.output;
        return {
          retry: false,
          outcome: {
            ...ids,
            status: "completed",
            responseId: ev.response.id,
            usage: tokenUsageFromWire(ev.response.usage),
            output: out && out.length > 0 ? out : partialOutput,
          },
        };
      }
      const { code, message } = serverErrorOf(ev);
      const error = new ResponseFailedError(ev.type, code, message);
      return { retry: false, outcome: { ...ids, status: "failed", error, partialOutput } };
    }
    case "malformed":
      return { retry: false, outcome: { ...ids, status: "failed", error: result.error, partialOutput } };
    case "cancelled":
      return { retry: false, outcome: { ...ids, status: "cancelled", reason: result.reason, partialOutput } };
    case "http_error":
      if (isRetryableStatus(result.status) && budget.request < provider.requestMaxRetries) {
        budget.request++;
        const delayMs = result.retryAfterMs ?? backoffMs(budget.request, random);
        return { retry: true, delayMs, reason: `HTTP ${result.status}` };
      }
      return {
        retry: false,
        outcome: {
          ...ids,
          status: "failed",
          error: new HttpStatusError(result.status, result.body, stream.upstreamRequestId),
          partialOutput,
        },
      };
    case "network_error":
      if (budget.request < provider.requestMaxRetries) {
        budget.request++;
        return { retry: true, delayMs: backoffMs(budget.request, random), reason: result.error.message };
      }
      return { retry: false, outcome: { ...ids, status: "dropped", error: result.error, partialOutput } };
    case "dropped":
      if (!stream.hasOutput && budget.stream < provider.streamMaxRetries) {
        budget.stream++;
        return { retry: true, delayMs: backoffMs(budget.stream, random), reason: result.error.message };
      }
      return { retry: false, outcome: { ...ids, status: "dropped", error: result.error, partialOutput } };
  }
}
