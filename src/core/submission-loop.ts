import { ROOT_CONTEXT, context } from "@opentelemetry/api";
import type { Op, Submission } from "../protocol/index.js";
import {
  contextFromW3cTraceContext,
  currentSpanW3cTraceContext,
  logger,
  withSpan,
} from "../telemetry/index.js";
import { CoreBusyError } from "./errors.js";
import { newTurnId } from "./ids.js";

const log = logger("spool_core::submission");

/** Queued submissions per thread before `submit()` refuses more. */
export const MAX_QUEUED_SUBMISSIONS = 256;

/**
 * One thread's submission queue and loop (spec/tracing.md §5–6). `submit()` is the only code
 * that captures trace context into `Submission.trace`; the loop is the only code that restores
 * it, as the parent of the dispatch span `op.dispatch.<op>`, which ends when the op's handler
 * returns (for `turn_input`: once the turn's task is started, not when the turn ends).
 */
export class SubmissionLoop {
  private readonly queue: Submission[] = [];
  private running = false;

  constructor(private readonly handle: (submission: Submission) => void | Promise<void>) {}

  /**
   * Queues `op` and returns its submission id (for `turn_input`, the turn id). Captures the
   * current span as the W3C carrier; without a recording span, `trace` is absent.
   */
  submit(op: Op, id: string = newTurnId()): Submission {
    if (this.queue.length >= MAX_QUEUED_SUBMISSIONS)
      throw new CoreBusyError("thread submission queue is full");
    const submission: Submission = { id, op };
    const trace = currentSpanW3cTraceContext();
    if (trace) submission.trace = trace;
    this.queue.push(submission);
    if (!this.running) {
      this.running = true;
      // The loop runs outside the submitter's context: its spans descend only from the carrier.
      queueMicrotask(() => void context.with(ROOT_CONTEXT, () => this.drain()));
    }
    return submission;
  }

  /** Resolves once every submission queued so far has been dispatched. */
  async idle(): Promise<void> {
    while (this.running) await new Promise((r) => setImmediate(r));
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const submission = this.queue.shift()!;
        try {
          await this.dispatch(submission);
        } catch (err) {
          log.error("submission handler failed", {
            "submission.id": submission.id,
            "codex.op": submission.op.type,
            error: String((err as Error)?.stack ?? err),
          });
        }
      }
    } finally {
      this.running = false;
    }
  }

  private dispatch(submission: Submission): void | Promise<void> {
    let parent = ROOT_CONTEXT;
    if (submission.trace) {
      const restored = contextFromW3cTraceContext(submission.trace);
      if (restored) parent = restored;
      else log.warn("ignoring invalid submission trace carrier", { "submission.id": submission.id });
    }
    const kind = submission.op.type;
    return withSpan(
      "submission_dispatch",
      { "otel.name": `op.dispatch.${kind}`, "submission.id": submission.id, "codex.op": kind },
      () => this.handle(submission),
      { parent },
    );
  }
}
