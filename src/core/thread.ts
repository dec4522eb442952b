import { SpanKind, context } from "@opentelemetry/api";
import type { ModelClient, ResponseInputItem } from "../model-client/index.js";
import type {
  CompactOp,
  DynamicToolCallResponse,
  Op,
  ReviewOp,
  SessionSource,
  Submission,
  Thread,
  ThreadItem,
  ThreadStatus,
  TokenUsage,
  Turn,
  TurnContextOverrides,
  UserInput,
} from "../protocol/index.js";
import type { RolloutRecorder, ThreadRecorder } from "../rollout-trace/index.js";
import { METRIC, logger, startSpan, withSpan, type SessionTelemetry } from "../telemetry/index.js";
import { ActiveTurn, INTERRUPT_GRACE_MS } from "./active-turn.js";
import { ApprovalBroker, type ApprovalDecision } from "./approvals/index.js";
import { CompactTask, ContextMeter } from "./compaction/index.js";
import { InvalidTurnStateError } from "./errors.js";
import type { CoreEvent, CoreEventListener } from "./events.js";
import type { HistorySink } from "./history-sink.js";
import { initialContextItems, inputText, itemIdOf, turnAbortedItem, userMessageItem } from "./prompt.js";
import { withOverrides, type ThreadSettings } from "./settings.js";
import { ReviewTask } from "./review/index.js";
import { SubmissionLoop } from "./submission-loop.js";
import { RegularTask } from "./tasks/regular.js";
import type { ResponseChain, SessionTask, TaskOutcome, TurnContext } from "./tasks/task.js";
import { addUsage, usageSince } from "./token-usage.js";
import type { ToolRouter } from "./tools.js";
import { DynamicToolRouter } from "./tools/dynamic.js";

const log = logger("spool_core::thread");

/** What a thread is, apart from its turns: the `Thread` fields that do not change per turn. */
export interface ThreadMeta {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  updatedAt: number;
  preview: string;
  ephemeral: boolean;
  source: SessionSource;
  /** The client that created the thread (`initialize.clientInfo.name`). */
  originator: string | null;
  cliVersion: string;
  forkedFromId: string | null;
  /** The history file (also reported for a thread whose file is not written yet). */
  path: string | null;
  /** `thread/start.serviceName`: the session's `service_name` metrics tag. */
  serviceName: string | null;
  threadSource: string | null;
  name: string | null;
}

/** A thread's state when it is loaded: new, resumed from history, or forked. */
export interface ThreadState {
  history: ResponseInputItem[];
  turns: Turn[];
  usage: TokenUsage;
  /** Whether the context items (environment, developer instructions) are already in history. */
  hasContext: boolean;
  /** Per turn, the history index where its items begin (for forks through a given turn). */
  turnStarts: Map<string, number>;
}

export interface CoreThreadDeps {
  client: ModelClient;
  tools: ToolRouter;
  telemetry: SessionTelemetry;
  recorder: RolloutRecorder;
  rollout: ThreadRecorder;
  history: HistorySink;
  /** Called after every turn ends (index refresh, idle bookkeeping). */
  onTurnEnded?(thread: CoreThread): void;
}

/**
 * One loaded thread: its settings, model-visible history and turns, and the session that runs
 * its submissions one at a time. Starting, interrupting and finishing tasks happens here, and
 * only here, which makes this the one owner of each turn span.
 */
export class CoreThread {
  readonly id: string;
  meta: ThreadMeta;
  settings: ThreadSettings;
  private readonly history: ResponseInputItem[];
  private readonly turns: Turn[];
  private usage: TokenUsage;
  private hasContext: boolean;
  private readonly turnStarts: Map<string, number>;
  private active: ActiveTurn | undefined;
  /** The turn id accepted by `turn/start` whose submission may not be dispatched yet. */
  private currentTurnId: string | undefined;
  /** Review and compaction turns take no steered input (spec/app-server.md §5, `turn/steer`). */
  private currentTurnSteerable = true;
  private readonly meter = new ContextMeter();
  private readonly loop: SubmissionLoop;
  private readonly listeners = new Set<CoreEventListener>();
  private shutdownPromise: Promise<void> | undefined;
  private responseChain: ResponseChain | undefined;
  private closed = false;
  private readonly approvals = new ApprovalBroker(
    (e) => this.emit(e),
    () => this.emit({ type: "status_changed", status: this.status() }),
  );

  constructor(
    meta: ThreadMeta,
    settings: ThreadSettings,
    state: ThreadState,
    private readonly deps: CoreThreadDeps,
  ) {
    this.id = meta.id;
    this.meta = meta;
    this.settings = settings;
    this.history = state.history;
    this.turns = state.turns;
    this.usage = state.usage;
    this.hasContext = state.hasContext;
    this.turnStarts = state.turnStarts;
    this.loop = new SubmissionLoop((s) => this.dispatch(s));
  }

  get client(): ModelClient {
    return this.deps.client;
  }

  get telemetry(): SessionTelemetry {
    return this.deps.telemetry;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  status(): ThreadStatus {
    if (this.currentTurnId === undefined) return { type: "idle" };
    return { type: "active", activeFlags: this.approvals.waiting ? ["waitingOnApproval"] : [] };
  }

  /**
   * A client's answer to an approval request (`approval_requested`); false when the request is
   * no longer pending (answered by another client, or its turn ended). `cancel` interrupts the
   * turn, as does a client that can no longer answer.
   */
  answerApproval(requestId: string, decision: ApprovalDecision): boolean {
    return this.approvals.answer(requestId, decision);
  }

  /** The id of the turn in progress (accepted or running), if any. */
  get activeTurnId(): string | undefined {
    return this.currentTurnId;
  }

  /** Subscribes to this thread's events; returns the unsubscribe function. */
  onEvent(listener: CoreEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The thread's `Thread` view; turns only when asked for. */
  snapshot(includeTurns: boolean, status: ThreadStatus = this.status()): Thread {
    return threadView(this.meta, this.settings, includeTurns ? this.turnsView() : [], status);
  }

  /** Turns oldest first, each with its full items (`itemsView: "full"`). */
  turnsView(): Turn[] {
    return this.turns.map((t) => ({ ...t, items: [...t.items], itemsView: "full" }));
  }

  /** The model-visible history, for forking. */
  historyItems(): readonly ResponseInputItem[] {
    return this.history;
  }

  /** The thread's state, for forking (copies). */
  stateCopy(): ThreadState {
    return {
      history: [...this.history],
      turns: this.turnsView(),
      usage: { ...this.usage },
      hasContext: this.hasContext,
      turnStarts: new Map(this.turnStarts),
    };
  }

  /**
   * Accepts a `turn/start`: submits `turn_input` and returns the in-progress turn at once. On a
   * thread whose turn is still running the input joins that turn (as Codex does), and that turn
   * is returned.
   */
  startTurn(items: UserInput[], overrides: TurnContextOverrides, clientUserMessageId?: string): Turn {
    this.assertOpen();
    if (this.currentTurnId !== undefined) {
      const id = this.currentTurnId;
      this.assertSteerable();
      this.loop.submit({ type: "steer", items, expectedTurnId: id, clientUserMessageId });
      return { ...this.placeholderTurn(id) };
    }
    const submission = this.loop.submit({ type: "turn_input", items, overrides, clientUserMessageId });
    this.currentTurnId = submission.id;
    this.currentTurnSteerable = true;
    return this.placeholderTurn(submission.id);
  }

  /** A client's answer to a call of one of its tools; false when that call no longer waits. */
  answerDynamicToolCall(requestId: string, response: DynamicToolCallResponse): boolean {
    const tools = this.deps.tools;
    return tools instanceof DynamicToolRouter && tools.answer(requestId, response);
  }

  /** `thread/name/set`: kept in the history file, so a resumed thread has it too. */
  setName(name: string): void {
    this.assertOpen();
    this.meta.name = name;
    this.deps.history.append("event_msg", {
      type: "thread_name_updated",
      thread_id: this.id,
      thread_name: name,
    });
    this.deps.history.flush();
  }

  /**
   * Accepts `review/start` or `thread/compact/start`: a turn of its own, returned in progress.
   * Refused while another turn runs (Codex would abort that turn; Spool does not drop work).
   */
  startTaskTurn(op: ReviewOp | CompactOp): Turn {
    this.assertOpen();
    if (this.currentTurnId !== undefined)
      throw new InvalidTurnStateError(`turn ${this.currentTurnId} is still running`);
    const submission = this.loop.submit(op);
    this.currentTurnId = submission.id;
    this.currentTurnSteerable = false;
    return this.placeholderTurn(submission.id);
  }

  private assertSteerable(): void {
    if (!this.currentTurnSteerable)
      throw new InvalidTurnStateError(
        `turn ${this.currentTurnId} is a review or compaction and cannot be steered`,
      );
  }

  /** Accepts a `turn/steer`; throws `InvalidTurnStateError` without an active turn or on a mismatch. */
  steer(items: UserInput[], expectedTurnId: string, clientUserMessageId?: string): string {
    this.assertOpen();
    const id = this.currentTurnId;
    if (id === undefined) throw new InvalidTurnStateError("no active turn to steer");
    if (id !== expectedTurnId) {
      throw new InvalidTurnStateError(`expected active turn id ${expectedTurnId} but found ${id}`);
    }
    this.assertSteerable();
    this.loop.submit({ type: "steer", items, expectedTurnId, clientUserMessageId });
    return id;
  }

  /** Accepts a `turn/interrupt`; the turn then ends `interrupted`. */
  interrupt(turnId: string): void {
    this.assertOpen();
    if (this.currentTurnId !== turnId) {
      throw new InvalidTurnStateError(
        this.currentTurnId === undefined
          ? "no active turn to interrupt"
          : `turn ${turnId} is not the active turn`,
      );
    }
    this.loop.submit({ type: "interrupt" });
  }

  /**
   * Ends the session: interrupts a running turn, then records the thread's end. Resolves once
   * the rollout is flushed. Idempotent.
   */
  shutdown(): Promise<void> {
    if (!this.shutdownPromise) {
      this.shutdownPromise = new Promise<void>((resolve) => {
        this.loop.submit({ type: "shutdown" });
        this.resolveShutdown = resolve;
      });
    }
    return this.shutdownPromise;
  }
  private resolveShutdown: (() => void) | undefined;

  private assertOpen(): void {
    if (this.closed || this.shutdownPromise) throw new InvalidTurnStateError(`thread ${this.id} is closed`);
  }

  private placeholderTurn(id: string): Turn {
    return {
      id,
      items: [],
      status: "inProgress",
      error: null,
      startedAt: null,
      completedAt: null,
      durationMs: null,
      itemsView: "notLoaded",
    };
  }

  /** Submits an op through the loop, for ops that need no synchronous answer. */
  submit(op: Op): Submission {
    return this.loop.submit(op);
  }

  private emit(event: CoreEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        log.error("thread event listener failed", { "thread.id": this.id, error: String(err) });
      }
    }
  }

  private async dispatch(s: Submission): Promise<void> {
    const op = s.op;
    switch (op.type) {
      case "turn_input":
        withSpan("codex.turn_input", { "conversation.id": this.id, "turn.id": s.id }, () =>
          this.startTask(new RegularTask(), s.id, op.items, op.overrides ?? {}, op.clientUserMessageId),
        );
        return;
      case "steer":
        if (this.active && this.active.id === op.expectedTurnId && !this.active.finished) {
          this.active.steered.push(op.items);
        } else {
          // The turn ended between acceptance and dispatch: the input starts a turn of its own.
          this.currentTurnId = s.id;
          this.startTask(new RegularTask(), s.id, op.items, {}, op.clientUserMessageId);
        }
        return;
      case "interrupt":
        if (this.active) void this.abortActive();
        return;
      case "shutdown":
        await this.runShutdown();
        return;
      case "review":
        this.startTask(new ReviewTask(op.target), s.id, [], {}, undefined);
        return;
      case "compact":
        withSpan("codex.compaction", { "conversation.id": this.id, "turn.id": s.id }, () =>
          this.startTask(new CompactTask(), s.id, [], {}, undefined),
        );
        return;
    }
  }

  private applyOverrides(o: TurnContextOverrides): ThreadSettings {
    const next = withOverrides(this.settings, o);
    this.settings = next;
    return next;
  }

  /** Codex's `start_task`: the turn span opens here, under the dispatch span, and is ended by `finishTurn`. */
  private startTask(
    task: SessionTask,
    turnId: string,
    input: UserInput[],
    overrides: TurnContextOverrides,
    clientUserMessageId: string | undefined,
  ): void {
    const threadSettings = this.applyOverrides(overrides);
    const settings =
      overrides.outputSchema === undefined
        ? threadSettings
        : { ...threadSettings, outputSchema: overrides.outputSchema };
    const startedAtMs = Date.now();
    const { span, context: spanContext } = startSpan(
      "turn",
      {
        "otel.name": task.spanName,
        "thread.id": this.id,
        "turn.id": turnId,
        model: settings.model,
        "codex.turn.reasoning_effort": settings.reasoningEffort ?? "",
      },
      { kind: SpanKind.INTERNAL },
    );
    const rollout = this.deps.rollout.startTurn(turnId);
    const turn = new ActiveTurn(turnId, settings, span, spanContext, rollout, startedAtMs, { ...this.usage });
    this.active = turn;
    this.currentTurnId = turnId;
    const startedAt = Math.floor(startedAtMs / 1000);
    const record: Turn = { ...turn.inProgress(startedAt), items: turn.items };
    this.turns.push(record);

    this.deps.history.append("turn_context", {
      turn_id: turnId,
      cwd: settings.cwd,
      model: settings.model,
      model_provider: settings.modelProvider,
      effort: settings.reasoningEffort,
      summary: settings.reasoningSummary,
      approval_policy: settings.approvalPolicy,
      sandbox_policy: settings.sandbox,
    });
    this.deps.history.append("event_msg", { type: "task_started", turn_id: turnId, started_at: startedAt });
    this.deps.recorder.protocolEvent("turn_started", () => ({
      type: "task_started",
      turn_id: turnId,
      started_at: startedAt,
      model_context_window: null,
      collaboration_mode_kind: "default",
    }));

    this.emit({ type: "status_changed", status: { type: "active", activeFlags: [] } });
    this.emit({ type: "turn_started", turn: turn.inProgress(startedAt) });

    this.turnStarts.set(turnId, this.history.length);
    const newItems: ResponseInputItem[] = [];
    if (!this.hasContext) {
      newItems.push(...initialContextItems(settings));
      this.hasContext = true;
    }
    // Review and compaction turns carry no user input of their own.
    const userItem = input.length > 0 ? userMessageItem(input) : undefined;
    if (userItem) newItems.push(userItem);
    this.appendHistory(turn, newItems);
    if (userItem) {
      if (this.meta.preview === "") this.meta.preview = inputText(input).slice(0, 200);
      const userThreadItem: ThreadItem = {
        type: "userMessage",
        id: userItem.id,
        content: input,
        clientId: clientUserMessageId ?? null,
        startedAtMs,
        completedAtMs: null,
      };
      this.emit({ type: "item_started", turnId, item: userThreadItem, atMs: startedAtMs });
      const completedUser = { ...userThreadItem, completedAtMs: Date.now() };
      this.completeItem(turn, completedUser);
      this.emit({ type: "item_completed", turnId, item: completedUser, atMs: completedUser.completedAtMs });
      const text = inputText(input);
      this.deps.telemetry.userPrompt({
        text,
        textInputCount: input.filter((i) => i.type === "text").length,
        imageInputCount: input.filter((i) => i.type === "image").length,
        localImageInputCount: input.filter((i) => i.type === "localImage").length,
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
          "thread.id": this.id,
          "turn.id": turnId,
          error: String((err as Error)?.stack ?? err),
        });
        this.finishTurn(
          turn,
          turn.interrupted
            ? { status: "interrupted" }
            : {
                status: "failed",
                error: {
                  message: `internal error: ${(err as Error)?.message ?? String(err)}`,
                  codexErrorInfo: "other",
                },
                errorType: err instanceof Error ? err.name : typeof err,
              },
        );
      },
    );
  }

  private turnContext(turn: ActiveTurn): TurnContext {
    return {
      threadId: this.id,
      turnId: turn.id,
      settings: turn.settings,
      client: this.deps.client,
      tools: this.deps.tools,
      rollout: turn.rollout,
      telemetry: this.deps.telemetry,
      approvals: {
        newId: (itemId) => this.approvals.newId(itemId),
        ask: (request, signal) => this.approvals.ask(request, signal),
        isApprovedForSession: (key) => this.approvals.isApprovedForSession(key),
        approveForSession: (keys) => this.approvals.approveForSession(keys),
        cancelTurn: () => {
          if (this.active === turn) void this.abortActive();
        },
      },
      toolCallStarted: () => {
        turn.toolCalls++;
      },
      recordFileChange: (path, before, after) => turn.diff.record(path, before, after),
      emit: (e) => {
        if (!turn.finished) this.emit(e);
      },
      history: () => this.history,
      appendHistory: (items) => {
        if (!turn.finished) this.appendHistory(turn, items);
      },
      completeItem: (item) => {
        if (!turn.finished) this.completeItem(turn, item);
      },
      replaceHistory: (replacement, summary) => {
        if (turn.finished) return;
        this.history.splice(0, this.history.length, ...replacement);
        this.meter.reset();
        this.deps.history.append("compacted", { message: summary, replacement_history: replacement });
      },
      contextTokens: () => this.meter.tokens(this.history),
      recordUsage: (last) => {
        if (turn.finished) return;
        this.meter.observe(last.totalTokens, this.history.length);
        this.usage = addUsage(this.usage, last);
        this.deps.history.append("event_msg", {
          type: "token_count",
          turn_id: turn.id,
          total: this.usage,
          last,
        });
        this.emit({
          type: "token_count",
          turnId: turn.id,
          usage: { total: { ...this.usage }, last, modelContextWindow: null },
        });
      },
      chain: () => this.responseChain,
      setChain: (c) => {
        if (!turn.finished) this.responseChain = c;
      },
      takeSteeredInput: () => turn.steered.splice(0),
      hasSteeredInput: () => turn.steered.length > 0,
      firstToken: () => {
        if (turn.sawFirstToken) return;
        turn.sawFirstToken = true;
        this.deps.telemetry.turnTtft(Date.now() - turn.startedAtMs);
      },
    };
  }

  private appendHistory(turn: ActiveTurn, items: readonly ResponseInputItem[]): void {
    for (const item of items) {
      this.history.push(item);
      this.deps.history.append("response_item", item);
      const id = itemIdOf(item);
      // The item itself is recorded for tool outputs in schema 3 (`tool_output_payload`).
      if (id !== undefined) turn.rollout.historyItemAccepted(id, item);
    }
  }

  private completeItem(turn: ActiveTurn, item: ThreadItem): void {
    const i = lastIndexOfId(turn.items, item.id);
    if (i >= 0) turn.items[i] = item;
    else turn.items.push(item);
    this.deps.history.append("event_msg", { type: "item_completed", turn_id: turn.id, item });
  }

  /** Interrupts the running turn: its task gets `INTERRUPT_GRACE_MS` to return, then is abandoned. */
  private abortActive(): Promise<void> {
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
    const completedAtMs = Date.now();
    const durationMs = completedAtMs - turn.startedAtMs;
    const completedAt = Math.floor(completedAtMs / 1000);
    const status = outcome.status;
    const history = this.deps.history;

    if (status === "interrupted") {
      const marker = turnAbortedItem(turn.id);
      this.history.push(marker);
      history.append("response_item", marker);
      history.append("event_msg", {
        type: "turn_aborted",
        turn_id: turn.id,
        reason: "interrupted",
        completed_at: completedAt,
        duration_ms: durationMs,
      });
    } else {
      history.append("event_msg", {
        type: "task_complete",
        turn_id: turn.id,
        status,
        error: status === "failed" ? outcome.error : null,
        completed_at: completedAt,
        duration_ms: durationMs,
      });
    }

    const record = this.turns.find((t) => t.id === turn.id);
    const wireStatus =
      status === "completed" ? "completed" : status === "interrupted" ? "interrupted" : "failed";
    const error = status === "failed" ? outcome.error : null;
    if (record) {
      record.status = wireStatus;
      record.error = error;
      record.completedAt = completedAt;
      record.durationMs = durationMs;
      record.items = [...turn.items];
    }

    const turnUsage = usageSince(this.usage, turn.usageAtStart);
    if (status === "completed") {
      turn.span.setAttributes({
        "codex.turn.token_usage.input_tokens": turnUsage.inputTokens,
        "codex.turn.token_usage.cached_input_tokens": turnUsage.cachedInputTokens,
        "codex.turn.token_usage.cache_write_input_tokens": turnUsage.cacheWriteInputTokens,
        "codex.turn.token_usage.non_cached_input_tokens": Math.max(
          0,
          turnUsage.inputTokens - turnUsage.cachedInputTokens,
        ),
        "codex.turn.token_usage.output_tokens": turnUsage.outputTokens,
        "codex.turn.token_usage.reasoning_output_tokens": turnUsage.reasoningOutputTokens,
        "codex.turn.token_usage.total_tokens": turnUsage.totalTokens,
      });
      const t = this.deps.telemetry;
      t.histogram(METRIC.TURN_TOKEN_USAGE, turnUsage.inputTokens, { token_type: "input" });
      t.histogram(METRIC.TURN_TOKEN_USAGE, turnUsage.cachedInputTokens, { token_type: "cached_input" });
      t.histogram(METRIC.TURN_TOKEN_USAGE, turnUsage.outputTokens, { token_type: "output" });
      t.histogram(METRIC.TURN_TOKEN_USAGE, turnUsage.reasoningOutputTokens, {
        token_type: "reasoning_output",
      });
      t.histogram(METRIC.TURN_TOKEN_USAGE, turnUsage.totalTokens, { token_type: "total" });
    } else if (status === "failed") {
      turn.span.setStatus({ code: 2 });
      turn.span.setAttribute("error.type", outcome.errorType);
    }
    this.deps.telemetry.recordDuration(METRIC.TURN_E2E_DURATION, durationMs, { status: wireStatus });
    this.deps.telemetry.histogram(METRIC.TURN_TOOL_CALL, turn.toolCalls, { tmp_mem_enabled: "false" });

    turn.rollout.ended(
      status === "completed" ? "completed" : status === "interrupted" ? "cancelled" : "failed",
    );
    const lastAgent = [...turn.items].reverse().find((i) => i.type === "agentMessage");
    this.deps.recorder.protocolEvent(status === "interrupted" ? "turn_aborted" : "turn_complete", () =>
      status === "interrupted"
        ? { type: "turn_aborted", turn_id: turn.id, reason: "interrupted" }
        : {
            type: "task_complete",
            turn_id: turn.id,
            last_agent_message: lastAgent && "text" in lastAgent ? lastAgent.text : null,
            started_at: Math.floor(turn.startedAtMs / 1000),
            completed_at: completedAt,
            duration_ms: durationMs,
          },
    );

    if (this.active === turn) this.active = undefined;
    if (this.currentTurnId === turn.id) this.currentTurnId = undefined;
    this.meta.updatedAt = Math.max(this.meta.updatedAt, completedAt);

    if (error) this.emit({ type: "error", turnId: turn.id, error, willRetry: false });
    this.emit({ type: "status_changed", status: this.status() });
    const summary: Turn = {
      id: turn.id,
      items: status === "interrupted" || !lastAgent ? [] : [lastAgent],
      status: wireStatus,
      error,
      startedAt: Math.floor(turn.startedAtMs / 1000),
      completedAt,
      durationMs,
      itemsView: status === "interrupted" ? "notLoaded" : "summary",
    };
    this.emit({ type: "turn_completed", turn: summary });
    turn.span.end();
    this.deps.history.flush();
    this.deps.onTurnEnded?.(this);
  }

  private async runShutdown(): Promise<void> {
    await this.abortActive();
    this.closed = true;
    this.deps.recorder.protocolEvent("shutdown_complete", { type: "shutdown_complete" });
    this.deps.rollout.ended("completed");
    await this.deps.recorder.end("completed");
    await this.deps.client.close().catch(() => undefined);
    this.deps.history.close();
    this.emit({ type: "closed" });
    this.resolveShutdown?.();
  }
}

/** The `Thread` wire view of a thread's metadata and settings. */
export function threadView(
  m: ThreadMeta,
  settings: ThreadSettings,
  turns: Turn[],
  status: ThreadStatus,
): Thread {
  return {
    id: m.id,
    sessionId: m.id,
    preview: m.preview,
    ephemeral: m.ephemeral,
    modelProvider: settings.modelProvider,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    status,
    path: m.path,
    cwd: settings.cwd,
    cliVersion: m.cliVersion,
    source: m.source,
    projectId: null,
    turns,
    model: settings.model,
    reasoningEffort: settings.reasoningEffort,
    name: m.name,
    forkedFromId: m.forkedFromId,
    parentThreadId: null,
    gitInfo: null,
    agentNickname: null,
    agentRole: null,
    originator: m.originator,
    threadSource: m.threadSource,
    recencyAt: m.updatedAt,
  };
}

/** Index of the newest item with `id`, searching from the end (items are upserted newest-first). */
export function lastIndexOfId(items: readonly ThreadItem[], id: string): number {
  for (let i = items.length - 1; i >= 0; i--) if (items[i]!.id === id) return i;
  return -1;
}
