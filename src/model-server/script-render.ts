import type { ModelScript, ScriptResponse } from "./script.js";

/** One server event as sent (its JSON object; `type` is also the SSE `event:` name). */
export type WireEvent = { type: string } & Record<string, unknown>;

export interface RenderContext {
  responseId: string;
  model: string;
  /** The request body, for placeholders and the usage estimate. */
  requestBody: unknown;
  chunkChars: number;
  /** Unique per server, to keep item ids distinct across responses. */
  seq: number;
}

function chunk(text: string, size: number): string[] {
  if (text.length === 0) return [];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function inputItems(body: unknown): Record<string, unknown>[] {
  const input = (body as { input?: unknown } | null)?.input;
  return Array.isArray(input)
    ? (input.filter((i) => typeof i === "object" && i !== null) as Record<string, unknown>[])
    : [];
}

/** Replaces `{{function_call_output}}` and `{{input_text}}` with what the request carried. */
export function fillPlaceholders(text: string, body: unknown): string {
  if (!text.includes("{{")) return text;
  const items = inputItems(body);
  const lastOutput = [...items]
    .reverse()
    .find((i) => i.type === "function_call_output" || i.type === "custom_tool_call_output");
  const userText = lastUserText(body);
  const output =
    typeof lastOutput?.output === "string" ? lastOutput.output : JSON.stringify(lastOutput?.output ?? "");
  return text.replaceAll("{{function_call_output}}", output.trim()).replaceAll("{{input_text}}", userText);
}

/** The text of the request's last user message (`{{input_text}}`, `when_input_contains`). */
export function lastUserText(body: unknown): string {
  const lastUser = inputItems(body).findLast((i) => i.type === "message" && i.role === "user");
  return Array.isArray(lastUser?.content)
    ? (lastUser.content as { text?: unknown }[])
        .map((c) => (typeof c.text === "string" ? c.text : ""))
        .join("")
    : "";
}

function responseObject(
  ctx: RenderContext,
  status: string,
  output: unknown[],
  extra: Record<string, unknown> = {},
) {
  return {
    id: ctx.responseId,
    object: "response",
    created_at: 1_700_000_000 + ctx.seq,
    status,
    model: ctx.model,
    output,
    parallel_tool_calls: Boolean((ctx.requestBody as { parallel_tool_calls?: unknown })?.parallel_tool_calls),
    previous_response_id:
      (ctx.requestBody as { previous_response_id?: unknown })?.previous_response_id ?? null,
    usage: null,
    ...extra,
  };
}

/**
 * The full event sequence of one scripted response, in the Responses API's order:
 * `response.created`, `response.in_progress`, per output item `output_item.added` → content
 * events → `output_item.done`, then `response.completed` (or `.failed` / `.incomplete`).
 */
export function renderResponse(step: ScriptResponse, ctx: RenderContext): WireEvent[] {
  const events: WireEvent[] = [];
  const push = (e: WireEvent) => events.push(e);
  push({ type: "response.created", response: responseObject(ctx, "in_progress", []) });
  push({ type: "response.in_progress", response: responseObject(ctx, "in_progress", []) });
  const done: Record<string, unknown>[] = [];
  let outputChars = 0;
  step.output.forEach((out, output_index) => {
    const n = `${ctx.seq}_${output_index}`;
    if (out.type === "message") {
      const text = fillPlaceholders(out.text, ctx.requestBody);
      const deltas = out.deltas ?? chunk(text, ctx.chunkChars);
      const full = out.deltas ? out.deltas.join("") : text;
      outputChars += full.length;
      const item_id = `msg_${n}`;
      push({
        type: "response.output_item.added",
        output_index,
        item: { id: item_id, type: "message", status: "in_progress", role: "assistant", content: [] },
      });
      const part = { type: "output_text", text: "", annotations: [] };
      push({ type: "response.content_part.added", item_id, output_index, content_index: 0, part });
      for (const delta of deltas)
        push({
          type: "response.output_text.delta",
          item_id,
          output_index,
          content_index: 0,
          delta,
          logprobs: [],
        });
      push({
        type: "response.output_text.done",
        item_id,
        output_index,
        content_index: 0,
        text: full,
        logprobs: [],
      });
      const finalPart = { type: "output_text", text: full, annotations: [] };
      push({ type: "response.content_part.done", item_id, output_index, content_index: 0, part: finalPart });
      const item = {
        id: item_id,
        type: "message",
        status: "completed",
        role: "assistant",
        content: [finalPart],
      };
      push({ type: "response.output_item.done", output_index, item });
      done.push(item);
    } else if (out.type === "function_call") {
      const args = typeof out.arguments === "string" ? out.arguments : JSON.stringify(out.arguments);
      outputChars += args.length;
      const item_id = `fc_${n}`;
      const call_id = out.call_id ?? `call_${n}`;
      const base = {
        id: item_id,
        type: "function_call",
        call_id,
        name: out.name,
        ...(out.namespace ? { namespace: out.namespace } : {}),
      };
      push({
        type: "response.output_item.added",
        output_index,
        item: { ...base, status: "in_progress", arguments: "" },
      });
      for (const delta of chunk(args, ctx.chunkChars))
        push({ type: "response.function_call_arguments.delta", item_id, output_index, delta });
      push({ type: "response.function_call_arguments.done", item_id, output_index, arguments: args });
      const item = { ...base, status: "completed", arguments: args };
      push({ type: "response.output_item.done", output_index, item });
      done.push(item);
    } else if (out.type === "custom_tool_call") {
      outputChars += out.input.length;
      const item_id = `ctc_${n}`;
      const base = {
        id: item_id,
        type: "custom_tool_call",
        call_id: out.call_id ?? `call_${n}`,
        name: out.name,
      };
      push({
        type: "response.output_item.added",
        output_index,
        item: { ...base, status: "in_progress", input: "" },
      });
      for (const delta of chunk(out.input, ctx.chunkChars))
        push({ type: "response.custom_tool_call_input.delta", item_id, output_index, delta });
      push({ type: "response.custom_tool_call_input.done", item_id, output_index, input: out.input });
      const item = { ...base, status: "completed", input: out.input };
      push({ type: "response.output_item.done", output_index, item });
      done.push(item);
    } else if (out.type === "compaction") {
      const inputs = inputItems(ctx.requestBody).filter((i) => i.type !== "compaction_trigger").length;
      const encrypted = out.encrypted_content ?? `scripted-compaction:${ctx.seq}:${inputs}-items`;
      outputChars += encrypted.length;
      const item_id = `cmp_${n}`;
      push({ type: "response.output_item.added", output_index, item: { id: item_id, type: "compaction" } });
      const item = { id: item_id, type: "compaction", encrypted_content: encrypted };
      push({ type: "response.output_item.done", output_index, item });
      done.push(item);
    } else {
      const item_id = `rs_${n}`;
      push({
        type: "response.output_item.added",
        output_index,
        item: { id: item_id, type: "reasoning", summary: [] },
      });
      out.summary.forEach((text, summary_index) => {
        outputChars += text.length;
        const part = { type: "summary_text", text: "" };
        push({ type: "response.reasoning_summary_part.added", item_id, output_index, summary_index, part });
        for (const delta of chunk(text, ctx.chunkChars))
          push({
            type: "response.reasoning_summary_text.delta",
            item_id,
            output_index,
            summary_index,
            delta,
          });
        push({ type: "response.reasoning_summary_text.done", item_id, output_index, summary_index, text });
        push({
          type: "response.reasoning_summary_part.done",
          item_id,
          output_index,
          summary_index,
          part: { type: "summary_text", text },
        });
      });
      if (out.text !== undefined) {
        outputChars += out.text.length;
        for (const delta of chunk(out.text, ctx.chunkChars))
          push({ type: "response.reasoning_text.delta", item_id, output_index, content_index: 0, delta });
        push({
          type: "response.reasoning_text.done",
          item_id,
          output_index,
          content_index: 0,
          text: out.text,
        });
      }
      const item: Record<string, unknown> = {
        id: item_id,
        type: "reasoning",
        summary: out.summary.map((text) => ({ type: "summary_text", text })),
      };
      if (out.text !== undefined) item.content = [{ type: "reasoning_text", text: out.text }];
      if (out.encrypted_content !== undefined) item.encrypted_content = out.encrypted_content;
      push({ type: "response.output_item.done", output_index, item });
      done.push(item);
    }
  });
  const fault = step.fault;
  if (fault?.fail) {
    push({ type: "response.failed", response: responseObject(ctx, "failed", done, { error: fault.fail }) });
  } else if (fault?.incomplete) {
    push({
      type: "response.incomplete",
      response: responseObject(ctx, "incomplete", done, { incomplete_details: { reason: fault.incomplete } }),
    });
  } else {
    push({
      type: "response.completed",
      response: responseObject(ctx, "completed", done, { usage: usageOf(step, ctx, outputChars) }),
    });
  }
  events.forEach((e, i) => (e.sequence_number = i));
  return events;
}

function usageOf(step: ScriptResponse, ctx: RenderContext, outputChars: number) {
  const u = step.usage ?? {
    input_tokens: Math.ceil(JSON.stringify((ctx.requestBody as { input?: unknown })?.input ?? []).length / 4),
    cached_tokens: 0,
    output_tokens: Math.ceil(outputChars / 4),
    reasoning_tokens: 0,
  };
  return {
    input_tokens: u.input_tokens,
    input_tokens_details: { cached_tokens: u.cached_tokens },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: u.reasoning_tokens },
    total_tokens: u.input_tokens + u.output_tokens,
  };
}

/** The events of a `generate: false` warm-up: created then completed, no output. */
export function renderWarmup(ctx: RenderContext): WireEvent[] {
  const zero = {
    input_tokens: 0,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 0,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 0,
  };
  return [
    { type: "response.created", response: responseObject(ctx, "in_progress", []), sequence_number: 0 },
    {
      type: "response.completed",
      response: responseObject(ctx, "completed", [], { usage: zero }),
      sequence_number: 1,
    },
  ];
}

/** `*.delta` events count towards `cut_after_deltas`. */
export function isDeltaEvent(e: WireEvent): boolean {
  return e.type.endsWith(".delta");
}

export type { ModelScript };
