import type { ResponseInputItem } from "../model-client/index.js";
import type { ThreadItem, TokenUsage, Turn } from "../protocol/index.js";
import type { ActiveTurn } from "./active-turn.js";
import { ContextMeter } from "./compaction/index.js";
import type { HistorySink } from "./history-sink.js";
import { itemIdOf } from "./prompt.js";
import { addUsage } from "./token-usage.js";
import { lastIndexOfId, type ThreadState } from "./thread-view.js";

/**
 * A thread's model-visible history, turn records and token usage, held in memory with every
 * change mirrored into its history file, so that a resumed thread replays to the same state.
 */
export class ThreadHistory {
  readonly items: ResponseInputItem[];
  readonly turns: Turn[];
  usage: TokenUsage;
  hasContext: boolean;
  private readonly turnStarts: Map<string, number>;
  private readonly meter = new ContextMeter();

  constructor(
    state: ThreadState,
    private readonly sink: HistorySink,
  ) {
    this.items = state.history;
    this.turns = state.turns;
    this.usage = state.usage;
    this.hasContext = state.hasContext;
    this.turnStarts = state.turnStarts;
  }

  /** Turns oldest first, each with its full items (`itemsView: "full"`). */
  turnsView(): Turn[] {
    return this.turns.map((t) => ({ ...t, items: [...t.items], itemsView: "full" }));
  }

  /** The thread's state, for forking (copies). */
  stateCopy(): ThreadState {
    return {
      history: [...this.items],
      turns: this.turnsView(),
      usage: { ...this.usage },
      hasContext: this.hasContext,
      turnStarts: new Map(this.turnStarts),
    };
  }

  /** Marks where `turnId`'s items begin: the history as it is now. */
  markTurnStart(turnId: string): void {
    this.turnStarts.set(turnId, this.items.length);
  }

  append(turn: ActiveTurn, items: readonly ResponseInputItem[]): void {
    for (const item of items) {
      this.items.push(item);
      this.sink.append("response_item", item);
      const id = itemIdOf(item);
      // The item itself is recorded for tool outputs in schema 3 (`tool_output_payload`).
      if (id !== undefined) turn.rollout.historyItemAccepted(id, item);
    }
  }

  /** Appends an item the turn's rollout does not hear about (the interrupted-turn marker). */
  appendUnannounced(item: ResponseInputItem): void {
    this.items.push(item);
    this.sink.append("response_item", item);
  }

  completeItem(turn: ActiveTurn, item: ThreadItem): void {
    const i = lastIndexOfId(turn.items, item.id);
    if (i >= 0) turn.items[i] = item;
    else turn.items.push(item);
    this.sink.append("event_msg", { type: "item_completed", turn_id: turn.id, item });
  }

  /** Compaction: the history becomes `replacement`, and the context meter starts over. */
  replace(replacement: readonly ResponseInputItem[], summary: string): void {
    this.items.splice(0, this.items.length, ...replacement);
    this.meter.reset();
    this.sink.append("compacted", { message: summary, replacement_history: replacement });
  }

  contextTokens(): number {
    return this.meter.tokens(this.items);
  }

  /** Adds a response's usage to the thread's total; returns the new total. */
  recordUsage(turnId: string, last: TokenUsage): TokenUsage {
    this.meter.observe(last.totalTokens, this.items.length);
    this.usage = addUsage(this.usage, last);
    this.sink.append("event_msg", {
      type: "token_count",
      turn_id: turnId,
      total: this.usage,
      last,
    });
    return this.usage;
  }
}
