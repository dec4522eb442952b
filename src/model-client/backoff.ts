/** Codex's base delay: 200 ms doubled per attempt, ±10 % jitter. */
const BASE_DELAY_MS = 200;
/** A `Retry-After` longer than this is capped (a turn should not sleep for hours). */
export const MAX_RETRY_DELAY_MS = 120_000;

/** Exponential backoff for retry number `attempt` (1-based) with ±10 % jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const exp = BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1);
  const jitter = 0.9 + random() * 0.2;
  return Math.min(Math.round(exp * jitter), MAX_RETRY_DELAY_MS);
}

/**
 * The server's requested delay from `retry-after-ms` (OpenAI) or `Retry-After` (seconds or an
 * HTTP date); `undefined` when absent or unparsable.
 */
export function retryAfterMs(
  headers: { get(name: string): string | null },
  now: number = Date.now(),
): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms)) && Number(ms) >= 0) {
    return Math.min(Number(ms), MAX_RETRY_DELAY_MS);
  }
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return Math.min(secs * 1000, MAX_RETRY_DELAY_MS);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), MAX_RETRY_DELAY_MS);
}

/** 429 and 5xx are worth retrying; other statuses are the caller's fault. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(
  ms: number,
  signal: AbortSignal | undefined,
  options: { unref?: boolean } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (options.unref) timer.unref();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
