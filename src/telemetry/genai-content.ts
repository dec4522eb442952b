import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
} from "@opentelemetry/semantic-conventions/incubating";
import {
  inferenceRequestAttributes,
  inferenceResultAttributes,
  type InferenceRecord,
} from "./genai-inference.js";
import type { LogFields } from "./log-types.js";

/**
 * Model-call content in the GenAI conventions' JSON shape (gen-ai-input-messages.json,
 * gen-ai-output-messages.json, gen-ai-system-instructions.json). This is prompt and output text:
 * it only ever leaves the process on the log-only lane, and only when `[otel] log_user_prompt`
 * opts in. Nothing here is a span attribute.
 */
export type GenAiPart =
  | { type: "text"; content: string }
  | { type: "reasoning"; content: string }
  | { type: "tool_call"; id: string | null; name: string; arguments: unknown }
  | { type: "tool_call_response"; id: string | null; response: unknown }
  /** Any other part (`GenericPart`): its `type` plus whatever fields describe it. */
  | { type: string; [field: string]: unknown };

export interface GenAiMessage {
  role: string;
  parts: GenAiPart[];
}

export interface GenAiOutputMessage extends GenAiMessage {
  finish_reason: string;
}

export interface InferenceContent {
  systemInstructions: GenAiPart[];
  inputMessages: GenAiMessage[];
  outputMessages: GenAiOutputMessage[];
}

/** The log-only event that carries a call's content (the conventions' opt-in event). */
export const INFERENCE_DETAILS_EVENT = EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS;

/**
 * Fields of `gen_ai.client.inference.operation.details` for one call: its span attributes plus
 * the messages as JSON text (log attributes are scalars here; the conventions allow JSON strings).
 */
export function inferenceDetailsFields(record: InferenceRecord, content: InferenceContent): LogFields {
  const fields: LogFields = { "event.name": INFERENCE_DETAILS_EVENT };
  const attrs = {
    ...inferenceRequestAttributes(record.request),
    ...inferenceResultAttributes(record.result),
  };
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    fields[k] = Array.isArray(v) ? JSON.stringify(v) : (v as string | number | boolean);
  }
  if (content.systemInstructions.length > 0) {
    fields[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = JSON.stringify(content.systemInstructions);
  }
  fields[ATTR_GEN_AI_INPUT_MESSAGES] = JSON.stringify(content.inputMessages);
  fields[ATTR_GEN_AI_OUTPUT_MESSAGES] = JSON.stringify(content.outputMessages);
  return fields;
}

/** A tool call's arguments and result under their GenAI keys (log-only, opt-in). */
export function toolCallContentFields(args: string | undefined, result: string): LogFields {
  const fields: LogFields = { [ATTR_GEN_AI_TOOL_CALL_RESULT]: result };
  if (args !== undefined) fields[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS] = args;
  return fields;
}
