import { SpanKind, context } from "@opentelemetry/api";
import type { ModelClient, ResponseInputItem } from "../model-client/index.js";
import type { ThreadStatus, Turn, TurnContextOverrides, UserInput } from "../protocol/index.js";
import type { RolloutRecorder, ThreadRecorder } from "../rollout-trace/index.js";
import { logger, startSpan, withSpan, type SessionTelemetry } from "../telemetry/index.js";
import { ActiveTurn, INTERRUPT_GRACE_MS } from "./active-turn.js";
import type { ApprovalBroker } from "./approvals/index.js";
import type { CoreEvent } from "./events.js";
import type { HistorySink } from "./history-sink.js";
import { initialContextItems, inputText, userMessageItem } from "./prompt.js";
import type { ThreadSettings } from "./settings.js";
import type { ResponseChain, SessionTask, TaskOutcome, TurnContext } from "./tasks/task.js";
import type { ThreadHistory } from "./thread-history.js";
import type { ThreadMeta } from "./thread-view.js";
import type { ToolRouter } from "./tools.js";
import { turnContext } from "./turn-context.js";
import { recordTurnEnd } from "./turn-end.js";
import { announceUserInput, recordTurnStart, thrownOutcome } from "./turn-start.js";

const log = logger("spool_core::thread");

/** What a thread's turns run with: the model, tools, telemetry and where they are recorded. */
export interface TurnRunnerDeps {
  client: ModelClient;
  tools: ToolRouter;
  telemetry: SessionTelemetry;
  recorder: RolloutRecorder;
  rollout: ThreadRecorder;
  history: HistorySink;
}

/** The thread a `TurnRunner` runs turns for. */
export interface TurnRunnerHost {
  readonly threadId: string;
  /** Read on each use: the thread may be given new metadata. */
  meta(): ThreadMeta;
  readonly deps: TurnRunnerDeps;
  readonly history: ThreadHistory;
  readonly approvals: ApprovalBroker;
  /** Applies a turn's overrides to the thread's settings; returns the new settings. */
  applyOverrides(o: TurnContextOverrides): ThreadSettings;
  emit(event: CoreEvent): void;
  status(): ThreadStatus;
  /** `turnId` is now the thread's turn in progress. */
  turnStarted(turnId: string): void;
  /** `turnId` has ended; called before the end is announced. */
  turnEnded(turnId: string): void;
  /** Called last, once the ended turn is announced and its history flushed. */
  afterTurn(): void;
}

/**
 * Starts, interrupts and finishes a thread's tasks, one at a time, which makes this the one
 * owner of each turn span.
 */
export class TurnRunner {
  active: ActiveTurn | undefined;
  private responseChain: ResponseChain | undefined;

  constructor(private readonly host: TurnRunnerHost) {}

  /** Codex's `start_task`: the turn span opens here, under the dispatch span, and is ended by `finishTurn`. */
  start(
    task: SessionTask,
    turnId: string,
    input: UserInput[],
    overrides: TurnContextOverrides,
    clientUserMessageId: string | undefined,
  ): void {
    const threadSettings = this.host.applyOverrides(overrides);
    const settings =
      overrides.outputSchema === undefined
        ? threadSettings
        : { ...threadSettings, outputSchema: overrides.outputSchema };
    const startedAtMs = Date.now();
    const { span, context: spanContext } = startSpan(
      "turn",
      {
        "otel.name": task.spanName,
        "thread.id": this.host.threadId,
        "turn.id": turnId,
        model: settings.model,
        "codex.turn.reasoning_effort": settings.reasoningEffort ?? "",
      },
      { kind: SpanKind.INTERNAL },
    );
    const rollout = this.host.deps.rollout.startTurn(turnId);
    const turn = new ActiveTurn(turnId, settings, span, spanContext, rollout, startedAtMs, {
      ...this.host.history.usage,
    });
    this.active = turn;
    this.host.turnStarted(turnId);
    const startedAt = Math.floor(startedAtMs / 1000);
    const record: Turn = { ...turn.inProgress(startedAt), items: turn.items };
    this.host.history.turns.push(record);
    recordTurnStart(this.host.deps.history, this.host.deps.recorder, turnId, settings, startedAt);

    this.host.emit({ type: "status_changed", status: { type: "active", activeFlags: [] } });
    this.host.emit({ type: "turn_started", turn: turn.inProgress(startedAt) });

    this.host.history.markTurnStart(turnId);
    const newItems: ResponseInputItem[] = [];
    if (!this.host.history.hasContext) {
      newItems.push(...initialContextItems(settings));
      this.host.history.hasContext = true;
    }
    // Review and compaction turns carry no user input of their own.
    const userItem = input.length > 0 ? userMessageItem(input) : undefined;
    if (userItem) newItems.push(userItem);
    this.host.history.append(turn, newItems);
    if (userItem) {
      if (this.host.meta().preview === "") this.host.meta().preview = inputText(input).slice(0, 200);
      announceUserInput(turn, input, userItem.id, clientUserMessageId, {
        history: this.host.history,
        telemetry: this.host.deps.telemetry,
        emit: (e) => this.host.emit(e),
      });
    }

    const ctx = this.turnContext(turn);
    const signal = turn.controller.signal;
    const run = context.with(spanContext, () =>
      withSpan("session_task.run", { "turn.id": turnId }, () => task.run(ctx, signal)),
    );
    void run.then(
      (outcome) => this.finishTurn(turn, turn.interrupted ? { status: "interrupted" } : outcome),
      (err: unknown) => {
        log.error("turn task failed", {
          "thread.id": this.host.threadId,
          "turn.id": turnId,
          error: String((err as Error)?.stack ?? err),
        });
        this.finishTurn(turn, thrownOutcome(turn, err));
      },
    );
  }

  private turnContext(turn: ActiveTurn): TurnContext {
    return turnContext(
      {
        threadId: this.host.threadId,
        client: this.host.deps.client,
        tools: this.host.deps.tools,
        telemetry: this.host.deps.telemetry,
        history: this.host.history,
        approvals: this.host.approvals,
        emit: (e) => this.host.emit(e),
        cancel: (t) => {
          if (this.active === t) void this.abortActive();
        },
        chain: () => this.responseChain,
        setChain: (c) => {
          this.responseChain = c;
        },
      },
      turn,
    );
  }

  /** Interrupts the running turn: its task gets `INTERRUPT_GRACE_MS` to return, then is abandoned. */
  abortActive(): Promise<void> {
    const turn = this.active;
    if (!turn || turn.finished) return Promise.resolve();
    if (!turn.interrupted) {
      turn.controller.abort(new Error("turn interrupted"));
      turn.graceTimer = setTimeout(() => {
        if (!turn.finished)
          log.debug("interrupted task did not return in time; abandoned", { "turn.id": turn.id });
        this.finishTurn(turn, { status: "interrupted" });
      }, INTERRUPT_GRACE_MS);
      turn.graceTimer.unref();
    }
    return new Promise((resolve) => {
      const check = () => (turn.finished ? resolve() : setTimeout(check, 5).unref());
      check();
    });
  }

  /** Ends the turn exactly once: wire events, history, rollout, metrics, then the turn span. */
  private finishTurn(turn: ActiveTurn, outcome: TaskOutcome): void {
    if (turn.finished) return;
    turn.finished = true;
    if (turn.graceTimer) clearTimeout(turn.graceTimer);
    const { completedAt, error, summary } = recordTurnEnd(turn, outcome, {
      history: this.host.history,
      sink: this.host.deps.history,
      telemetry: this.host.deps.telemetry,
      recorder: this.host.deps.recorder,
    });

    if (this.active === turn) this.active = undefined;
    this.host.turnEnded(turn.id);
    this.host.meta().updatedAt = Math.max(this.host.meta().updatedAt, completedAt);

    if (error) this.host.emit({ type: "error", turnId: turn.id, error, willRetry: false });
    this.host.emit({ type: "status_changed", status: this.host.status() });
    this.host.emit({ type: "turn_completed", turn: summary });
    turn.span.end();
    this.host.deps.history.flush();
    this.host.afterTurn();
  }
}
