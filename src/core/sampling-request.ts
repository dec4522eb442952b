import type { ResponseInputItem, ResponsesRequest } from "../model-client/index.js";
import { baseInstructionsItem } from "./prompt.js";
import type { TurnContext } from "./tasks/task.js";

/** The turn's model request over `input` (default: the whole history), as `run_turn` sends it. */
export function buildRequest(ctx: TurnContext, input?: readonly ResponseInputItem[]): ResponsesRequest {
  const s = ctx.settings;
  const full = [baseInstructionsItem(s), ...(input ?? ctx.history())];
  // Over a reused WebSocket the server still holds the previous response: send only what is
  // new since it (Codex's incremental requests). Over HTTP every request carries everything.
  // A request over other input (a compaction's) never continues the chain.
  const chain = input === undefined && ctx.client.canChainResponses ? ctx.chain() : undefined;
  const incremental = chain !== undefined && chain.covered <= full.length;
  const reasoning = s.reasoningEffort || s.reasoningSummary !== "none";
  const request: ResponsesRequest = {
    model: s.model,
    input: incremental ? full.slice(chain.covered) : full,
    ...(incremental ? { previousResponseId: chain.responseId } : {}),
    tools: ctx.tools.specs(),
    toolChoice: "auto",
    parallelToolCalls: ctx.tools.parallel,
    reasoning: reasoning
      ? {
          ...(s.reasoningEffort ? { effort: s.reasoningEffort as "low" } : {}),
          ...(s.reasoningSummary !== "none" ? { summary: s.reasoningSummary as "auto" } : {}),
        }
      : null,
    store: false,
    include: reasoning ? ["reasoning.encrypted_content"] : [],
    promptCacheKey: ctx.threadId,
    clientMetadata: { thread_id: ctx.threadId, turn_id: ctx.turnId, session_id: ctx.threadId },
  };
  // Codex's `final_output_json_schema`: strict, under the name Codex gives it.
  if (s.outputSchema !== undefined)
    request.text = {
      format: { type: "json_schema", strict: true, name: "codex_output_schema", schema: s.outputSchema },
    };
  return request;
}
