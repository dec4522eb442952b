import type {
  GenAiMessage,
  GenAiOutputMessage,
  GenAiPart,
  InferenceContent,
  InferenceResult,
} from "../telemetry/index.js";
import type { AttemptResult } from "./attempt.js";
import type { ResponsesRequestBody } from "./request.js";
import { tokenUsageFromWire } from "./response-stream.js";
import {
  serverErrorOf,
  type ResponseItem,
  type ResponseObject,
  type ResponsesStreamEvent,
} from "./wire-events.js";

/** The response object of the events that carry one. */
function responseOf(ev: ResponsesStreamEvent): ResponseObject | undefined {
  switch (ev.type) {
    case "response.created":
    case "response.completed":
    case "response.failed":
    case "response.incomplete":
      return ev.response;
    default:
      return undefined;
  }
}

/**
 * The Responses API side of the GenAI conventions: what one attempt's events and outcome mean as
 * a `chat` operation (finish reasons, `error.type`, usage), and its items as GenAI messages.
 */

/** Watches one attempt's events for what the GenAI attributes need; one per attempt. */
export class InferenceWatch {
  readonly startedAt = performance.now();
  firstChunkAt: number | undefined;
  responseModel: string | undefined;

  /** Called per event: a comparison for every delta, a field read for the few response events. */
  see(ev: ResponsesStreamEvent): void {
    if (this.firstChunkAt === undefined) this.firstChunkAt = performance.now();
    const model = responseOf(ev)?.model;
    if (model !== undefined) this.responseModel = model;
  }
}

/** Items after which the model waits for Spool to run a tool. */
const TOOL_CALL_ITEMS: ReadonlySet<string> = new Set([
  "function_call",
  "custom_tool_call",
  "local_shell_call",
]);
/** A server-sent code goes on the trace lane only when it looks like a code, never like text. */
const CODE_RE = /^[A-Za-z0-9._-]{1,64}$/;

function finishReasonOf(ev: AttemptResult & { kind: "terminal" }, output: readonly ResponseItem[]): string {
  const e = ev.event;
  if (e.type === "response.completed") {
    return output.some((i) => TOOL_CALL_ITEMS.has(i.type)) ? "tool_call" : "stop";
  }
  if (e.type === "response.incomplete") {
    const reason = e.response.incomplete_details?.reason;
    if (reason === "max_output_tokens" || reason == null) return "length";
    return CODE_RE.test(reason) ? reason : "length";
  }
  return "error";
}

function errorTypeOf(result: AttemptResult): string | undefined {
  switch (result.kind) {
    case "terminal": {
      if (result.event.type === "response.completed") return undefined;
      const code = serverErrorOf(result.event).code;
      return code !== undefined && CODE_RE.test(code) ? code : result.event.type;
    }
    case "http_error":
      return String(result.status);
    case "network_error":
    case "dropped":
    case "malformed":
      return result.error.name;
    case "cancelled":
      return "cancelled";
  }
}

/** The output items an attempt produced: the terminal response's, else those that finished. */
export function attemptOutput(result: AttemptResult, doneItems: ResponseItem[]): ResponseItem[] {
  const out = result.kind === "terminal" ? responseOf(result.event)?.output : undefined;
  if (out && out.length > 0) return out;
  return doneItems;
}

/** How an attempt ended, as a GenAI `chat` operation. */
export function inferenceResult(
  result: AttemptResult,
  watch: InferenceWatch,
  output: readonly ResponseItem[],
): InferenceResult {
  const end = performance.now();
  const res: InferenceResult = { durationS: (end - watch.startedAt) / 1000 };
  if (watch.firstChunkAt !== undefined) res.timeToFirstChunkS = (watch.firstChunkAt - watch.startedAt) / 1000;
  if (watch.responseModel !== undefined) res.responseModel = watch.responseModel;
  const errorType = errorTypeOf(result);
  if (errorType !== undefined) res.errorType = errorType;
  if (result.kind === "terminal") {
    res.finishReasons = [finishReasonOf(result, output)];
    const response = responseOf(result.event);
    if (response) {
      if (result.event.type === "response.completed") res.responseId = response.id;
      const usage = tokenUsageFromWire(response.usage);
      if (usage) {
        res.usage = {
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          cacheReadInputTokens: usage.cachedInputTokens,
          reasoningOutputTokens: usage.reasoningOutputTokens,
        };
      }
    }
  }
  return res;
}

type Fields = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Tool arguments as the conventions want them: an object when the JSON text parses. */
function parsedArguments(v: unknown): unknown {
  if (typeof v !== "string") return v ?? null;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

function contentParts(content: unknown): GenAiPart[] {
  if (typeof content === "string") return [{ type: "text", content }];
  if (!Array.isArray(content)) return [];
  return (content as Fields[]).map((p): GenAiPart => {
    const type = str(p.type) ?? "unknown";
    if (type === "input_text" || type === "output_text") return { type: "text", content: str(p.text) ?? "" };
    if (type === "refusal") return { type: "text", content: str(p.refusal) ?? "" };
    if (type === "input_image") {
      const url = str(p.image_url) ?? "";
      const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
      return data
        ? { type: "blob", modality: "image", mime_type: data[1], content: data[2] }
        : { type: "uri", modality: "image", uri: url };
    }
    return { ...p, type };
  });
}

/** One item as a role and its parts; unknown item types become generic parts of the assistant. */
function itemParts(item: Fields): { role: string; parts: GenAiPart[] } {
  const type = str(item.type) ?? "unknown";
  switch (type) {
    case "message":
      return { role: str(item.role) ?? "user", parts: contentParts(item.content) };
    case "function_call":
      return {
        role: "assistant",
        parts: [
          {
            type: "tool_call",
            id: str(item.call_id) ?? null,
            name: str(item.name) ?? "",
            arguments: parsedArguments(item.arguments),
          },
        ],
      };
    case "custom_tool_call":
      return {
        role: "assistant",
        parts: [
          {
            type: "tool_call",
            id: str(item.call_id) ?? null,
            name: str(item.name) ?? "",
            arguments: item.input,
          },
        ],
      };
    case "local_shell_call":
      return {
        role: "assistant",
        parts: [
          { type: "tool_call", id: str(item.call_id) ?? null, name: "local_shell", arguments: item.action },
        ],
      };
    case "function_call_output":
    case "custom_tool_call_output":
    case "local_shell_call_output":
      return {
        role: "tool",
        parts: [{ type: "tool_call_response", id: str(item.call_id) ?? null, response: item.output }],
      };
    case "reasoning": {
      const summary = Array.isArray(item.summary)
        ? (item.summary as Fields[]).map((s) => str(s.text) ?? "")
        : [];
      const text = Array.isArray(item.content)
        ? (item.content as Fields[]).map((c) => str(c.text) ?? "")
        : [];
      return { role: "assistant", parts: [{ type: "reasoning", content: [...summary, ...text].join("\n") }] };
    }
    default: {
      const { id: _id, ...rest } = item;
      return { role: "assistant", parts: [{ ...rest, type }] };
    }
  }
}

/** Items as messages; consecutive assistant items (reasoning, text, tool calls) form one message. */
function messagesOf(items: readonly ResponseItem[]): GenAiMessage[] {
  const out: GenAiMessage[] = [];
  for (const item of items) {
    const { role, parts } = itemParts(item as Fields);
    const last = out[out.length - 1];
    if (last && role === "assistant" && last.role === "assistant") last.parts.push(...parts);
    else out.push({ role, parts });
  }
  return out;
}

/**
 * The attempt's content in the conventions' shape: `instructions` as system instructions, the
 * request's input items as input messages, the response's items as one output message.
 */
export function inferenceContent(
  body: ResponsesRequestBody,
  output: readonly ResponseItem[],
  finishReason: string | undefined,
): InferenceContent {
  const outputMessages: GenAiOutputMessage[] =
    output.length === 0
      ? []
      : [
          {
            role: "assistant",
            parts: messagesOf(output).flatMap((m) => m.parts),
            finish_reason: finishReason ?? "error",
          },
        ];
  return {
    systemInstructions: body.instructions ? [{ type: "text", content: body.instructions }] : [],
    inputMessages: messagesOf(body.input as ResponseItem[]),
    outputMessages,
  };
}
