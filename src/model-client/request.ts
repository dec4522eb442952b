import type { ResponseItem } from "./wire-events.js";

/** A text part of a message's `content`. */
export interface ContentPart {
  type: "input_text" | "output_text";
  text: string;
}

/** Input items Spool sends; anything else the API accepts can be passed as a raw `ResponseItem`. */
export type ResponseInputItem =
  | {
      type: "message";
      role: "user" | "assistant" | "system" | "developer";
      content: ContentPart[];
      id?: string;
    }
  | { type: "function_call"; call_id: string; name: string; arguments: string; id?: string }
  | { type: "function_call_output"; call_id: string; output: string }
  | {
      type: "reasoning";
      id: string;
      summary: { type: "summary_text"; text: string }[];
      encrypted_content?: string;
    }
  | ResponseItem;

/** A `function` tool as the Responses API takes it (flat, not nested under `function`). */
export interface FunctionToolSpec {
  type: "function";
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
  strict?: boolean;
}
export type ToolSpec = FunctionToolSpec | ({ type: string } & Record<string, unknown>);

export interface ReasoningSettings {
  effort?: "minimal" | "low" | "medium" | "high" | "xhigh" | "none";
  summary?: "auto" | "concise" | "detailed" | "none";
}

/** One model request, typed; `buildRequestBody` turns it into the wire body. */
export interface ResponsesRequest {
  model: string;
  instructions?: string;
  input: ResponseInputItem[];
  tools?: ToolSpec[];
  toolChoice?: "auto" | "none" | "required" | Record<string, unknown>;
  parallelToolCalls?: boolean;
  reasoning?: ReasoningSettings | null;
  /** Default false: Spool keeps the history itself, as Codex does. */
  store?: boolean;
  include?: string[];
  promptCacheKey?: string;
  /** Set when chaining: `input` then holds only the items after that response. */
  previousResponseId?: string;
  clientMetadata?: Record<string, string>;
  /** `text.format`: a JSON Schema the final message must match (a turn's `outputSchema`). */
  text?: TextControls;
}

export interface TextControls {
  format: { type: "json_schema"; strict: boolean; name: string; schema: unknown };
}

/** The JSON body of `POST /responses` (field order as Codex sends it). */
export interface ResponsesRequestBody {
  model: string;
  instructions?: string;
  previous_response_id?: string;
  input: ResponseInputItem[];
  tools: ToolSpec[];
  tool_choice: ResponsesRequest["toolChoice"];
  parallel_tool_calls: boolean;
  reasoning: ReasoningSettings | null;
  store: boolean;
  stream: boolean;
  include: string[];
  prompt_cache_key?: string;
  text?: TextControls;
  client_metadata?: Record<string, string>;
}

/**
 * Builds the wire body of a streaming Responses request.
 *
 * @example
 * buildRequestBody({ model: "gpt-5", input: [userMessage("hi")] })
 */
export function buildRequestBody(req: ResponsesRequest): ResponsesRequestBody {
  const body: ResponsesRequestBody = {
    model: req.model,
    input: req.input,
    tools: req.tools ?? [],
    tool_choice: req.toolChoice ?? "auto",
    parallel_tool_calls: req.parallelToolCalls ?? false,
    reasoning: req.reasoning ?? null,
    store: req.store ?? false,
    stream: true,
    include: req.include ?? [],
  };
  if (req.instructions !== undefined) body.instructions = req.instructions;
  if (req.previousResponseId !== undefined) body.previous_response_id = req.previousResponseId;
  if (req.promptCacheKey !== undefined) body.prompt_cache_key = req.promptCacheKey;
  if (req.text !== undefined) body.text = req.text;
  if (req.clientMetadata !== undefined) body.client_metadata = { ...req.clientMetadata };
  return body;
}

/**
 * The WebSocket `response.create` message for a request: the same top-level fields minus
 * `stream` (implicit over WebSocket); `generate: false` makes it a warm-up.
 */
export function buildWebSocketCreate(
  body: ResponsesRequestBody,
  options: { generate?: boolean } = {},
): Record<string, unknown> {
  const { stream: _stream, ...rest } = body;
  const msg: Record<string, unknown> = { type: "response.create", ...rest };
  if (options.generate === false) msg.generate = false;
  return msg;
}

/** A user message item. */
export function userMessage(text: string): ResponseInputItem {
  return { type: "message", role: "user", content: [{ type: "input_text", text }] };
}

/** The output of a function call, sent back on the next request. */
export function functionCallOutput(callId: string, output: string): ResponseInputItem {
  return { type: "function_call_output", call_id: callId, output };
}
