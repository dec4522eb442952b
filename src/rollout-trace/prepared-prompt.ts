/**
 * Codex 0.171's prepared prompt (spec v3 §8.2) for a Responses request body when the caller has
 * none of its own: the input items, tools, parallel-tool-calls flag and base instructions.
 */
export function preparedPromptOf(request: unknown): unknown {
  const r = (request ?? {}) as Record<string, unknown>;
  return {
    input: Array.isArray(r.input) ? r.input : [],
    tools: Array.isArray(r.tools) ? r.tools : [],
    parallel_tool_calls: r.parallel_tool_calls === true,
    base_instructions: { text: typeof r.instructions === "string" ? r.instructions : "" },
    output_schema: (r.text as { format?: unknown } | undefined)?.format ?? null,
  };
}
