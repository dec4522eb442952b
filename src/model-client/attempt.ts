import type { ModelClientError } from "./errors.js";
import type { MalformedEventError, ResponsesStreamEvent } from "./wire-events.js";

export type TerminalEvent = Extract<
  ResponsesStreamEvent,
  { type: "response.completed" | "response.failed" | "response.incomplete" | "error" }
>;

/** How one transport attempt ended; the client's retry loop decides what happens next. */
export type AttemptResult =
  | { kind: "terminal"; event: TerminalEvent }
  | { kind: "http_error"; status: number; body: string; retryAfterMs: number | undefined }
  /** No response at all (refused, reset before headers): a request-level retry. */
  | { kind: "network_error"; error: ModelClientError }
  /** Closed or idle after the request was accepted: a stream-level retry. */
  | { kind: "dropped"; error: ModelClientError }
  | { kind: "malformed"; error: MalformedEventError }
  | { kind: "cancelled"; reason: unknown };

/** Where an attempt delivers what it observes. */
export interface AttemptSink {
  upstreamRequestId(id: string | null): void;
  event(event: ResponsesStreamEvent): void;
}

/**
 * Calls `onIdle` once nothing was `poke()`d for `ms`. Poking only records the time (it runs per
 * chunk); when the timer fires early it re-arms itself for the time that is left.
 */
export class IdleTimer {
  private last = performance.now();
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {
    this.arm(ms);
  }
  private arm(delay: number): void {
    this.timer = setTimeout(() => {
      const idle = performance.now() - this.last;
      if (idle >= this.ms - 1) this.onIdle();
      else this.arm(this.ms - idle);
    }, delay);
    this.timer.unref();
  }
  poke(): void {
    this.last = performance.now();
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}
