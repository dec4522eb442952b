import type { Context, Span } from "@opentelemetry/api";
import type { ThreadItem, TokenUsage, Turn, UserInput } from "../protocol/index.js";
import type { TurnRecorder } from "../rollout-trace/index.js";
import { TurnDiff } from "./patch/index.js";
import type { ThreadSettings } from "./settings.js";

/** Codex's GRACEFULL_INTERRUPTION_TIMEOUT_MS: how long an interrupted task may take to return. */
export const INTERRUPT_GRACE_MS = 100;

/**
 * The running turn of a thread: the runtime state that already exists (its task, its abort
 * controller, its items) and, with it, the turn span. The span lives exactly as long as this
 * object is the thread's active turn; `finish` runs once, whichever way the turn ends.
 */
export class ActiveTurn {
  readonly controller = new AbortController();
  readonly items: ThreadItem[] = [];
  readonly steered: UserInput[][] = [];
  finished = false;
  sawFirstToken = false;
  /** Tool calls the model made in this turn (`codex.turn.tool.call`). */
  toolCalls = 0;
  readonly diff: TurnDiff;
  graceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly settings: ThreadSettings,
    readonly span: Span,
    readonly spanContext: Context,
    readonly rollout: TurnRecorder,
    readonly startedAtMs: number,
    readonly usageAtStart: TokenUsage,
  ) {
    this.diff = new TurnDiff(settings.cwd);
  }

  get interrupted(): boolean {
    return this.controller.signal.aborted;
  }

  /** The turn as `turn/start` and `turn/started` show it. */
  inProgress(startedAt: number | null): Turn {
    return {
      id: this.id,
      items: [],
      status: "inProgress",
      error: null,
      startedAt,
      completedAt: null,
      durationMs: null,
      itemsView: "notLoaded",
    };
  }
}
