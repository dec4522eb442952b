import { randomUUID } from "node:crypto";
import type { ModelStreamEvent, ResponseItem } from "../model-client/index.js";
import type { ThreadItem } from "../protocol/index.js";
import type { TurnContext } from "./tasks/task.js";

type Live =
  | { kind: "agentMessage"; item: Extract<ThreadItem, { type: "agentMessage" }>; done: boolean }
  | { kind: "reasoning"; item: Extract<ThreadItem, { type: "reasoning" }>; done: boolean };

/** Turns one response's stream events into item lifecycle events (started → deltas → completed). */
export class StreamItems {
  private readonly live = new Map<string, Live>();

  constructor(private readonly ctx: TurnContext) {}

  handle(event: ModelStreamEvent): void {
    switch (event.type) {
      case "response.output_item.added":
        this.open(event.item);
        return;
      case "response.output_text.delta": {
        const l = this.ensure(event.item_id, "agentMessage");
        if (l.kind !== "agentMessage") return;
        this.ctx.firstToken();
        l.item.text += event.delta;
        this.ctx.emit({
          type: "agent_message_delta",
          turnId: this.ctx.turnId,
          itemId: l.item.id,
          delta: event.delta,
        });
        return;
      }
      case "response.reasoning_summary_text.delta": {
        const l = this.ensure(event.item_id, "reasoning");
        if (l.kind !== "reasoning") return;
        this.ctx.firstToken();
        const summary = (l.item.summary ??= []);
        while (summary.length <= event.summary_index) {
          summary.push("");
          this.ctx.emit({
            type: "reasoning_summary_part_added",
            turnId: this.ctx.turnId,
            itemId: l.item.id,
            summaryIndex: summary.length - 1,
          });
        }
        summary[event.summary_index] += event.delta;
        this.ctx.emit({
          type: "reasoning_summary_delta",
          turnId: this.ctx.turnId,
          itemId: l.item.id,
          delta: event.delta,
          summaryIndex: event.summary_index,
        });
        return;
      }
      case "response.reasoning_text.delta": {
        const l = this.ensure(event.item_id, "reasoning");
        if (l.kind !== "reasoning") return;
        this.ctx.firstToken();
        const content = (l.item.content ??= []);
        while (content.length <= event.content_index) content.push("");
        content[event.content_index] += event.delta;
        this.ctx.emit({
          type: "reasoning_text_delta",
          turnId: this.ctx.turnId,
          itemId: l.item.id,
          delta: event.delta,
          contentIndex: event.content_index,
        });
        return;
      }
      case "response.output_item.done":
        this.done(event.item);
        return;
      default:
        return;
    }
  }

  /** Items the stream never closed with `output_item.done` are closed from the final output. */
  completeRemaining(output: readonly ResponseItem[]): void {
    for (const item of output) if (item.id && this.live.get(item.id)?.done === false) this.done(item);
  }

  private kindOf(item: ResponseItem): Live["kind"] | undefined {
    if (item.type === "message" && (item as { role?: unknown }).role === "assistant") return "agentMessage";
    if (item.type === "reasoning") return "reasoning";
    return undefined;
  }

  private open(item: ResponseItem): Live | undefined {
    const kind = this.kindOf(item);
    if (!kind) return undefined;
    return this.start(item.id ?? `item_${randomUUID()}`, kind);
  }

  private ensure(id: string, kind: Live["kind"]): Live {
    return this.live.get(id) ?? this.start(id, kind);
  }

  private start(id: string, kind: Live["kind"]): Live {
    const existing = this.live.get(id);
    if (existing) return existing;
    const now = Date.now();
    const l: Live =
      kind === "agentMessage"
        ? {
            kind,
            item: { type: "agentMessage", id, text: "", phase: null, startedAtMs: now, completedAtMs: null },
            done: false,
          }
        : {
            kind,
            item: { type: "reasoning", id, summary: [], content: [], startedAtMs: now, completedAtMs: null },
            done: false,
          };
    this.live.set(id, l);
    this.ctx.emit({ type: "item_started", turnId: this.ctx.turnId, item: { ...l.item }, atMs: now });
    return l;
  }

  private done(item: ResponseItem): void {
    const kind = this.kindOf(item);
    if (!kind) return;
    const l = this.ensure(item.id ?? `item_${randomUUID()}`, kind);
    if (l.done) return;
    l.done = true;
    const now = Date.now();
    const o = item as Record<string, unknown>;
    let final: ThreadItem;
    if (l.kind === "agentMessage") {
      const parts = Array.isArray(o.content) ? (o.content as Record<string, unknown>[]) : [];
      const text = parts
        .filter((p) => p.type === "output_text" && typeof p.text === "string")
        .map((p) => p.text as string)
        .join("");
      final = { ...l.item, text: text || l.item.text, completedAtMs: now };
    } else {
      const summary = Array.isArray(o.summary)
        ? (o.summary as Record<string, unknown>[]).map((s) => String(s.text ?? ""))
        : l.item.summary;
      final = { ...l.item, summary, completedAtMs: now };
    }
    this.ctx.completeItem(final);
    this.ctx.emit({ type: "item_completed", turnId: this.ctx.turnId, item: final, atMs: now });
  }
}
