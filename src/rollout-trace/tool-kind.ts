import type { ToolCallKind, ToolCallSummary } from "./schema.js";
import type { ToolInvocationBody } from "./recorder-types.js";

const SIMPLE_KINDS: Record<string, ToolCallKind> = {
  exec_command: { type: "exec_command" },
  local_shell: { type: "exec_command" },
  shell: { type: "exec_command" },
  shell_command: { type: "exec_command" },
  write_stdin: { type: "write_stdin" },
  apply_patch: { type: "apply_patch" },
  web_search: { type: "web" },
  web_search_preview: { type: "web" },
  image_generation: { type: "image_generation" },
  image_query: { type: "image_generation" },
  spawn_agent: { type: "spawn_agent" },
  send_message: { type: "send_message" },
  followup_task: { type: "assign_agent_task" },
  assign_task: { type: "assign_agent_task" },
  wait_agent: { type: "wait_agent" },
  close_agent: { type: "close_agent" },
  interrupt_agent: { type: "close_agent" },
};

/** Codex's producer mapping from tool name to {@link ToolCallKind} (spec §4). */
export function toolCallKindOf(toolName: string): ToolCallKind {
  return SIMPLE_KINDS[toolName] ?? { type: "other", name: toolName };
}

const PREVIEW_CHARS = 160;

/** The first 160 characters of the invocation's arguments/input/command, `...` appended when cut. */
export function inputPreview(body: ToolInvocationBody): string | null {
  let text: string;
  switch (body.type) {
    case "function":
      text = body.arguments;
      break;
    case "custom":
      text = body.input;
      break;
    case "tool_search":
      text = JSON.stringify(body.arguments) ?? "";
      break;
    case "local_shell":
      text = body.command.join(" ");
      break;
  }
  if (text.length <= PREVIEW_CHARS) return text;
  let count = 0;
  let end = 0;
  for (const ch of text) {
    if (count === PREVIEW_CHARS) return text.slice(0, end) + "...";
    count++;
    end += ch.length;
  }
  return text;
}

/** The producer's generic summary: label `<namespace>.<name>` or `<name>`, input preview, no output. */
export function genericSummary(
  toolName: string,
  namespace: string | null,
  body: ToolInvocationBody,
): ToolCallSummary {
  return {
    type: "generic",
    label: namespace ? `${namespace}.${toolName}` : toolName,
    input_preview: inputPreview(body),
    output_preview: null,
  };
}
