import { performance } from "node:perf_hooks";
import { currentSpanTraceId, logger } from "../../telemetry/index.js";

/** Target of `codex.tool_call`; `codex_core::tools::parallel` directives select it too. */
export const TOOL_CALL_TIMING_TARGET = "spool_core::tools::parallel";

const log = logger(TOOL_CALL_TIMING_TARGET);

/**
 * The parallel-execution gate of one turn (Codex's `RwLock` in `tools/parallel.rs`): parallel-safe
 * calls share it, any other call holds it alone. Waiters are served in arrival order, so an
 * exclusive call is not starved by a stream of shared ones.
 */
export class ParallelGate {
  private shared = 0;
  private exclusive = false;
  private readonly queue: { exclusive: boolean; grant: () => void; signal?: AbortSignal }[] = [];

  /**
   * Resolves with a release function once admitted; rejects with the signal's reason if it
   * aborts first (the call then never ran).
   */
  acquire(exclusive: boolean, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const waiter = {
        exclusive,
        signal,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.releaser(exclusive));
        },
      };
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal!.reason instanceof Error ? signal!.reason : new Error("aborted"));
        this.drain();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
      this.drain();
    });
  }

  private releaser(exclusive: boolean): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (exclusive) this.exclusive = false;
      else this.shared--;
      this.drain();
    };
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.exclusive) {
      const next = this.queue[0]!;
      if (next.exclusive) {
        if (this.shared > 0) return;
        this.queue.shift();
        this.exclusive = true;
        next.grant();
        return;
      }
      this.queue.shift();
      this.shared++;
      next.grant();
    }
  }
}

/** What `codex.tool_call` names, captured when the call starts. */
export interface ToolCallTimingFields {
  conversationId: string;
  turnId: string;
  toolName: string;
  callId: string;
}

/**
 * The timing guard of one direct tool call (Codex's `ToolCallTimingGuard`): `admitted()` when the
 * gate lets the call run, `finish()` once, whichever way the call ends. Emits exactly one
 * `codex.tool_call`. Created only when the target's INFO is enabled (see `startToolCallTiming`).
 */
export class ToolCallTiming {
  private executionStartedAt: number | undefined;
  private finished = false;

  constructor(
    private readonly fields: ToolCallTimingFields,
    private readonly traceId: string,
    private readonly startedAt: number,
  ) {}

  admitted(): void {
    this.executionStartedAt ??= performance.now();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const completedAt = performance.now();
    const exec = this.executionStartedAt;
    const started = exec !== undefined && exec <= completedAt;
    const total = Math.floor(completedAt - this.startedAt);
    const dispatch = started ? Math.floor(exec - this.startedAt) : total;
    const handler = started ? Math.floor(completedAt - exec) : 0;
    log.info("tool call completed", {
      "event.name": "codex.tool_call",
      trace_id: this.traceId,
      "conversation.id": this.fields.conversationId,
      turn_id: this.fields.turnId,
      tool_name: this.fields.toolName,
      call_id: this.fields.callId,
      tool_source: "direct",
      execution_started: started,
      dispatch_duration_ms: dispatch,
      handler_duration_ms: handler,
      total_duration_ms: total,
    });
  }
}

/** A guard for a direct call, or nothing at all (no clock read, no ids kept) when the event is off. */
export function startToolCallTiming(fields: () => ToolCallTimingFields): ToolCallTiming | undefined {
  if (!log.enabled("info")) return undefined;
  return new ToolCallTiming(fields(), currentSpanTraceId() ?? "", performance.now());
}
