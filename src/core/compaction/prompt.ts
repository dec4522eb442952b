// Codex 0.169's compaction texts, byte for byte (read from the 0.169.0 binary:
// `core/templates/compact/prompt.md` and `summary_prefix.md`).

/** The user message that asks the model for a handoff summary (local compaction). */
export const SUMMARIZATION_PROMPT = `You are performing a CONTEXT CHECKPOINT COMPACTION. Create a handoff summary for another LLM that will resume the task.

Include:
- Current progress and key decisions made
- Important context, constraints, or user preferences
- What remains to be done (clear next steps)
- Any critical data, examples, or references needed to continue

Be concise, structured, and focused on helping the next LLM seamlessly continue the work.
`;

/** Put before the summary in the replacement history, joined by a newline. */
export const SUMMARY_PREFIX =
  "Another language model started to solve this problem and produced a summary of its thinking process. You also have access to the state of the tools that were used by that language model. Use this to build on the work that has already been done and avoid duplicating work. Here is the summary produced by the other language model, use the information in this summary to assist with your own analysis:";

/** Codex's placeholder when the model returned no summary text. */
export const NO_SUMMARY = "(no summary available)";

/** Codex's `COMPACT_USER_MESSAGE_MAX_TOKENS`: how much of the user's own words survive. */
export const COMPACT_USER_MESSAGE_MAX_TOKENS = 20_000;
