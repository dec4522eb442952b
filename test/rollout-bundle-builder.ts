// Builds rollout-trace bundles by hand for reducer tests (the writer is tested separately).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RawPayloadKindName, RawPayloadRef } from "../src/rollout-trace/index.js";

export const ROLLOUT = "00000000-0000-7000-8000-0000000000aa";
export const THREAD = ROLLOUT;
export const TURN = "00000000-0000-7000-8000-0000000000bb";

interface Line {
  text: string;
}

/** A bundle under construction: events get contiguous seqs, payloads are written immediately. */
export class BundleBuilder {
  readonly dir: string;
  private seq = 0;
  private payloadN = 0;
  private readonly lines: Line[] = [];
  private wall = 1_700_000_000_000;

  constructor(
    readonly base: string,
    manifest: Record<string, unknown> = {},
  ) {
    this.dir = join(base, `bundle-${Math.random().toString(36).slice(2)}`);
    mkdirSync(join(this.dir, "payloads"), { recursive: true });
    const m = {
      schema_version: 2,
      trace_id: "00000000-0000-4000-8000-0000000000cc",
      rollout_id: ROLLOUT,
      root_thread_id: THREAD,
      started_at_unix_ms: 1_700_000_000_000,
      raw_event_log: "trace.jsonl",
      payloads_dir: "payloads",
      ...manifest,
    };
    writeFileSync(join(this.dir, "manifest.json"), JSON.stringify(m, null, 2));
  }

  payload(kind: RawPayloadKindName, value: unknown): RawPayloadRef {
    const n = ++this.payloadN;
    const path = `payloads/${n}.json`;
    writeFileSync(join(this.dir, path), JSON.stringify(value, null, 2));
    return { raw_payload_id: `raw_payload:${n}`, kind: { type: kind }, path };
  }

  /** Appends an event; `ctx` is the envelope's thread/turn (defaults: none). Returns its seq. */
  event(
    payload: object,
    ctx: { thread?: string | null; turn?: string | null } = {},
    overrides: Record<string, unknown> = {},
  ): number {
    const seq = ++this.seq;
    this.wall += 1;
    this.lines.push({
      text: JSON.stringify({
        schema_version: 2,
        seq,
        wall_time_unix_ms: this.wall,
        rollout_id: ROLLOUT,
        thread_id: ctx.thread ?? null,
        codex_turn_id: ctx.turn ?? null,
        payload,
        ...overrides,
      }),
    });
    return seq;
  }

  /** Raw text as the next line (for malformed-input tests). */
  rawLine(text: string): void {
    this.lines.push({ text });
  }

  /** The wall time the last event got. */
  get lastWall(): number {
    return this.wall;
  }

  /** Writes trace.jsonl; `cutLast` drops the last line's newline and, if a number, cuts that many chars. */
  write(options: { cutLast?: boolean | number } = {}): string {
    let text = this.lines.map((l) => l.text + "\n").join("");
    if (options.cutLast !== undefined && options.cutLast !== false) {
      text = text.slice(0, -1);
      if (typeof options.cutLast === "number") text = text.slice(0, -options.cutLast);
    }
    writeFileSync(join(this.dir, "trace.jsonl"), text);
    return this.dir;
  }

  // Common event shapes.
  rootThread(meta: Record<string, unknown> | null = { model: "gpt-test", agent_path: "/root" }): void {
    const ref = meta === null ? null : this.payload("session_metadata", meta);
    this.event({ type: "thread_started", thread_id: THREAD, agent_path: "/root", metadata_payload: ref });
  }
  turnStarted(turn = TURN, thread = THREAD): void {
    this.event({ type: "codex_turn_started", codex_turn_id: turn, thread_id: thread }, { thread, turn });
  }
  inferenceStarted(id: string, request: unknown, turn = TURN, thread = THREAD): number {
    return this.event(
      {
        type: "inference_started",
        inference_call_id: id,
        thread_id: thread,
        codex_turn_id: turn,
        model: "gpt-test",
        provider_name: "test",
        request_payload: this.payload("inference_request", request),
      },
      { thread, turn },
    );
  }
  inferenceCompleted(
    id: string,
    responseId: string | null,
    upstream: string | null,
    output: unknown[],
  ): number {
    return this.event(
      {
        type: "inference_completed",
        inference_call_id: id,
        response_id: responseId,
        upstream_request_id: upstream,
        response_payload: this.payload("inference_response", {
          response_id: responseId,
          upstream_request_id: upstream,
          token_usage: {
            input_tokens: 10,
            cached_input_tokens: 0,
            cache_write_input_tokens: 0,
            output_tokens: 5,
            reasoning_output_tokens: 0,
            total_tokens: 15,
          },
          output_items: output,
        }),
      },
      { thread: THREAD, turn: TURN },
    );
  }
  accepted(itemId: string, thread: string | null = THREAD): number {
    return this.event({ type: "history_item_accepted", item_id: itemId }, { thread, turn: TURN });
  }
}

export function userMessage(id: string, text: string): Record<string, unknown> {
  return { type: "message", id, role: "user", content: [{ type: "input_text", text }] };
}
export function assistantMessage(id: string, text: string): Record<string, unknown> {
  return {
    type: "message",
    id,
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text }],
  };
}

export function scratchDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
