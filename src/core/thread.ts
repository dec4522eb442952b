import type { ModelClient, ResponseInputItem } from "../model-client/index.js";
import type {
  CompactOp,
  DynamicToolCallResponse,
  Op,
  ReviewOp,
  Submission,
  Thread,
  ThreadStatus,
  Turn,
  TurnContextOverrides,
  UserInput,
  UserShellOp,
} from "../protocol/index.js";
import { logger, withSpan, type SessionTelemetry } from "../telemetry/index.js";
import { ApprovalBroker, type ApprovalDecision } from "./approvals/index.js";
import { CompactTask } from "./compaction/index.js";
import { CoreBusyError, InvalidTurnStateError } from "./errors.js";
import type { CoreEvent, CoreEventListener } from "./events.js";
import { withOverrides, type ThreadSettings } from "./settings.js";
import { ReviewTask } from "./review/index.js";
import { SubmissionLoop } from "./submission-loop.js";
import { RegularTask } from "./tasks/regular.js";
import { UserShellTask } from "./tasks/user-shell.js";
import { ThreadHistory } from "./thread-history.js";
import { placeholderTurn, threadView, type ThreadMeta, type ThreadState } from "./thread-view.js";
import { DynamicToolRouter } from "./tools/dynamic.js";
import { USER_SHELL_TIMEOUT_MS } from "./tools/user-shell.js";
import { TurnRunner, type TurnRunnerDeps } from "./turn-runner.js";

// Re-exported: thread-manager.ts and index.ts import these from here.
export { threadView } from "./thread-view.js";
export type { ThreadMeta, ThreadState } from "./thread-view.js";

const log = logger("spool_core::thread");

/** Shell commands that may wait for a running turn: past this the client is told to retry. */
const MAX_QUEUED_SHELL_COMMANDS = 16;

export interface CoreThreadDeps extends TurnRunnerDeps {
  /** Called after every turn ends (index refresh, idle bookkeeping). */
  onTurnEnded?(thread: CoreThread): void;
}

/**
 * One loaded thread: its settings, model-visible history and turns, and the session that runs
 * its submissions one at a time. Its tasks are started, interrupted and finished by its
 * `TurnRunner`, and only there, which makes that the one owner of each turn span.
 */
export class CoreThread {
  readonly id: string;
  meta: ThreadMeta;
  settings: ThreadSettings;
  private readonly history: ThreadHistory;
  private readonly runner: TurnRunner;
  /** The turn id accepted by `turn/start` whose submission may not be dispatched yet. */
  private currentTurnId: string | undefined;
  /** Review and compaction turns take no steered input (spec/app-server.md §5, `turn/steer`). */
  private currentTurnSteerable = true;
  /** `thread/shellCommand`s that arrived while a turn ran; each runs as its own turn after it. */
  private readonly queuedShell: UserShellOp[] = [];
  private readonly loop: SubmissionLoop;
  private readonly listeners = new Set<CoreEventListener>();
  private shutdownPromise: Promise<void> | undefined;
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
    this.history = new ThreadHistory(state, deps.history);
    this.loop = new SubmissionLoop((s) => this.dispatch(s));
    this.runner = new TurnRunner({
      threadId: this.id,
      meta: () => this.meta,
      deps,
      history: this.history,
      approvals: this.approvals,
      applyOverrides: (o) => this.applyOverrides(o),
      emit: (e) => this.emit(e),
      status: () => this.status(),
      turnStarted: (turnId) => {
        this.currentTurnId = turnId;
      },
      turnEnded: (turnId) => {
        if (this.currentTurnId !== turnId) return;
        this.currentTurnId = undefined;
        const next = this.queuedShell.shift();
        if (next && !this.closed && !this.shutdownPromise) this.startTask(next);
      },
      afterTurn: () => this.deps.onTurnEnded?.(this),
    });
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
    return this.history.turnsView();
  }

  /** The model-visible history, for forking. */
  historyItems(): readonly ResponseInputItem[] {
    return this.history.items;
  }

  /** The thread's state, for forking (copies). */
  stateCopy(): ThreadState {
    return this.history.stateCopy();
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
      return { ...placeholderTurn(id) };
    }
    const submission = this.loop.submit({ type: "turn_input", items, overrides, clientUserMessageId });
    this.currentTurnId = submission.id;
    this.currentTurnSteerable = true;
    return placeholderTurn(submission.id);
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
    return this.startTask(op);
  }

  /**
   * Accepts `thread/shellCommand`: a turn of its own now, or right after the running turn ends
   * (Codex runs it beside that turn; Spool keeps the turn's history in order instead). Returns
   * the new turn's id, or undefined when it waits.
   */
  runUserShell(op: UserShellOp): string | undefined {
    this.assertOpen();
    if (this.currentTurnId === undefined) return this.startTask(op).id;
    if (this.queuedShell.length >= MAX_QUEUED_SHELL_COMMANDS)
      throw new CoreBusyError(`${MAX_QUEUED_SHELL_COMMANDS} shell commands are already waiting`);
    this.queuedShell.push(op);
    return undefined;
  }

  private startTask(op: ReviewOp | CompactOp | UserShellOp): Turn {
    const submission = this.loop.submit(op);
    this.currentTurnId = submission.id;
    this.currentTurnSteerable = false;
    return placeholderTurn(submission.id);
  }

  private assertSteerable(): void {
    if (!this.currentTurnSteerable)
      throw new InvalidTurnStateError(
        `turn ${this.currentTurnId} is a review, compaction or shell command and cannot be steered`,
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
          this.runner.start(new RegularTask(), s.id, op.items, op.overrides ?? {}, op.clientUserMessageId),
        );
        return;
      case "steer":
        if (
          this.runner.active &&
          this.runner.active.id === op.expectedTurnId &&
          !this.runner.active.finished
        ) {
          this.runner.active.steered.push(op.items);
        } else {
          // The turn ended between acceptance and dispatch: the input starts a turn of its own.
          this.currentTurnId = s.id;
          this.runner.start(new RegularTask(), s.id, op.items, {}, op.clientUserMessageId);
        }
        return;
      case "interrupt":
        if (this.runner.active) void this.runner.abortActive();
        return;
      case "shutdown":
        await this.runShutdown();
        return;
      case "review":
        this.runner.start(new ReviewTask(op.target), s.id, [], {}, undefined);
        return;
      case "user_shell":
        this.runner.start(
          new UserShellTask(op.command, op.timeoutMs ?? USER_SHELL_TIMEOUT_MS),
          s.id,
          [],
          {},
          undefined,
        );
        return;
      case "compact":
        withSpan("codex.compaction", { "conversation.id": this.id, "turn.id": s.id }, () =>
          this.runner.start(new CompactTask(), s.id, [], {}, undefined),
        );
        return;
    }
  }

  private applyOverrides(o: TurnContextOverrides): ThreadSettings {
    const next = withOverrides(this.settings, o);
    this.settings = next;
    return next;
  }

  private async runShutdown(): Promise<void> {
    await this.runner.abortActive();
    // Before the recorder ends, so the sessions' terminal ends are in the bundle.
    await this.deps.tools.threadEnded?.(this.id).catch(() => undefined);
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
