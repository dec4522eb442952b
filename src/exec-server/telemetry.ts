import { performance } from "node:perf_hooks";
import { displayRequestId, type JsonRpcRequest } from "../protocol/index.js";
import { currentSpanTraceId, logger } from "../telemetry/index.js";

/** Target of the timing events; `codex_exec_server::telemetry` directives select it too. */
export const EXEC_SERVER_TELEMETRY_TARGET = "spool_exec_server::telemetry";

const log = logger(EXEC_SERVER_TELEMETRY_TARGET);

export type ProcessOutcome = "success" | "failed" | "terminated" | "unknown";

/** What a request's event needs, captured at request start only when the event is enabled. */
export interface RequestLogContext {
  readonly requestId: string;
  readonly method: string;
  readonly traceparent: string;
  readonly startedAt: number;
}

/** Whether the timing events are on; checked before anything is captured. */
export function infoEventsEnabled(): boolean {
  return log.enabled("info");
}

/**
 * Captures a request's log context, or nothing at all when the target's INFO level is off.
 * The context is finished with `requestCompleted` when the response or error is produced.
 */
export function requestStarted(request: JsonRpcRequest): RequestLogContext | undefined {
  if (!log.enabled("info")) return undefined;
  return {
    requestId: displayRequestId(request.id),
    method: request.method,
    traceparent: request.trace?.traceparent ?? "",
    startedAt: performance.now(),
  };
}

/** Emits `codex.exec_server_request`. */
export function requestCompleted(ctx: RequestLogContext | undefined, result: "success" | "error"): void {
  if (!ctx) return;
  const ms = performance.now() - ctx.startedAt;
  log.info("exec-server request completed", {
    "event.name": "codex.exec_server_request",
    request_id: ctx.requestId,
    method: ctx.method,
    result,
    duration_ms: Math.floor(ms),
    duration_seconds: Math.round(ms * 1000) / 1e6,
    traceparent: ctx.traceparent,
  });
}

interface ProcessLogContext {
  readonly processId: string;
  readonly traceId: string;
  readonly startedAt: number;
}

/**
 * The timing guard of one managed process. `finish` emits `codex.exec_server_process` once;
 * `drop` finishes with `unknown` if nothing else did (Codex emits that when its guard is dropped).
 */
export class ProcessTimingGuard {
  private finished = false;

  constructor(
    /** Undefined when the event was disabled at process start: nothing was captured. */
    readonly logContext: ProcessLogContext | undefined,
  ) {}

  finish(result: ProcessOutcome): void {
    if (this.finished || !this.logContext) return;
    this.finished = true;
    const ms = performance.now() - this.logContext.startedAt;
    log.info("exec-server process completed", {
      "event.name": "codex.exec_server_process",
      process_id: this.logContext.processId,
      trace_id: this.logContext.traceId,
      result,
      duration_ms: Math.floor(ms),
      duration_seconds: Math.round(ms * 1000) / 1e6,
    });
  }

  drop(): void {
    this.finish("unknown");
  }
}

const DISABLED_GUARD = new ProcessTimingGuard(undefined);

/**
 * Starts timing a process; call inside the `process/start` request span so `trace_id` is the
 * trace the process belongs to. With the event disabled, returns a shared empty guard.
 */
export function processStarted(processId: string): ProcessTimingGuard {
  if (!log.enabled("info")) return DISABLED_GUARD;
  return new ProcessTimingGuard({
    processId,
    traceId: currentSpanTraceId() ?? "",
    startedAt: performance.now(),
  });
}
