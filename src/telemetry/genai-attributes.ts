import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import {
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
} from "@opentelemetry/semantic-conventions/incubating";

/**
 * OpenTelemetry GenAI semantic-convention attributes for the spans Spool's upper layers own (the
 * turn span, tool-call spans). Every key comes from `@opentelemetry/semantic-conventions`; the
 * Codex names on those spans stay as they are, these go beside them.
 */

/**
 * `gen_ai.tool.type`: `function` — run by Spool itself (shell, apply_patch, …); `extension` — run
 * by an external service Spool calls (MCP servers); `datastore` — a retrieval tool.
 */
export type GenAiToolType = "function" | "extension" | "datastore";

export interface ToolSpanInput {
  /** The tool's name as the model called it (`shell`, `apply_patch`, `mcp__server__tool`). */
  name: string;
  /** The model's `call_id` for this call. */
  callId: string;
  type: GenAiToolType;
  /** The tool definition's description (never the call's arguments or output). */
  description?: string;
}

/**
 * Attributes of an `execute_tool` span, for the span that runs one tool call. Returns plain
 * strings so the result fits both a `withSpan` fields argument and `SpanOptions.attributes`.
 * Arguments and results never go here (they are content: see `SessionTelemetry.toolResult`).
 *
 * @example
 * withSpan("tool_call", { "otel.name": "handle_tool_call" }, run, {
 *   attributes: toolSpanAttributes({ name: "shell", callId: "call_1", type: "function" }),
 * });
 */
export function toolSpanAttributes(tool: ToolSpanInput): Record<string, string> {
  const out: Record<string, string> = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
    [ATTR_GEN_AI_TOOL_NAME]: tool.name,
    [ATTR_GEN_AI_TOOL_CALL_ID]: tool.callId,
    [ATTR_GEN_AI_TOOL_TYPE]: tool.type,
  };
  if (tool.description !== undefined && tool.description !== "") {
    out[ATTR_GEN_AI_TOOL_DESCRIPTION] = tool.description;
  }
  return out;
}

export interface AgentSpanInput {
  /** The thread the turn runs on: `gen_ai.conversation.id`. */
  threadId: string;
  /** A human-readable agent name (`spool`, or a sub-agent's role). */
  agentName: string;
  /** A stable id of the agent, when it has one (a sub-agent's id); omitted otherwise. */
  agentId?: string;
}

/**
 * Attributes of an `invoke_agent` span, for the turn span (one agent invocation per turn).
 *
 * @example
 * withSpan("turn", { "otel.name": "session_task.turn", "turn.id": id }, run, {
 *   attributes: agentSpanAttributes({ threadId, agentName: "spool" }),
 * });
 */
export function agentSpanAttributes(agent: AgentSpanInput): Record<string, string> {
  const out: Record<string, string> = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
    [ATTR_GEN_AI_AGENT_NAME]: agent.agentName,
    [ATTR_GEN_AI_CONVERSATION_ID]: agent.threadId,
  };
  if (agent.agentId !== undefined && agent.agentId !== "") out[ATTR_GEN_AI_AGENT_ID] = agent.agentId;
  return out;
}

/**
 * The name the GenAI conventions give a span with these attributes — `chat <model>`,
 * `execute_tool <tool>`, `invoke_agent <agent>` — or `undefined` when it is not a GenAI span.
 */
export function genAiSpanName(attributes: Readonly<Record<string, unknown>>): string | undefined {
  const op = attributes[ATTR_GEN_AI_OPERATION_NAME];
  if (typeof op !== "string") return undefined;
  const subjectKey =
    op === GEN_AI_OPERATION_NAME_VALUE_CHAT
      ? ATTR_GEN_AI_REQUEST_MODEL
      : op === GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL
        ? ATTR_GEN_AI_TOOL_NAME
        : op === GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT
          ? ATTR_GEN_AI_AGENT_NAME
          : undefined;
  const subject = subjectKey === undefined ? undefined : attributes[subjectKey];
  return typeof subject === "string" && subject !== "" ? `${op} ${subject}` : op;
}

/**
 * `[otel] genai_span_names = true`: renames GenAI spans at start to the conventions' names, for
 * backends that key on span names. Only the exported name changes; local logs keep Codex's.
 */
export class GenAiSpanNameProcessor implements SpanProcessor {
  onStart(span: Span, _parent: Context): void {
    const name = genAiSpanName(span.attributes);
    if (name !== undefined) span.updateName(name);
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
