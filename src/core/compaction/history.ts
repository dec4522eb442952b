import type { ResponseInputItem } from "../../model-client/index.js";
import { newItemId } from "../ids.js";
import { COMPACT_USER_MESSAGE_MAX_TOKENS, NO_SUMMARY, SUMMARY_PREFIX } from "./prompt.js";

/** Codex's rough token estimate: 4 bytes per token. */
export function approxTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / 4);
}

/** The estimate for items as they would be sent (their JSON). */
export function approxItemTokens(items: readonly ResponseInputItem[]): number {
  let n = 0;
  for (const item of items) n += approxTokens(JSON.stringify(item));
  return n;
}

function messageText(item: ResponseInputItem): string | undefined {
  if (item.type !== "message") return undefined;
  const content = (item as { content?: unknown }).content;
  if (!Array.isArray(content)) return undefined;
  return content
    .map((c) => (typeof (c as { text?: unknown }).text === "string" ? (c as { text: string }).text : ""))
    .join("");
}

// User-role messages the harness writes (Codex's contextual user fragments): never carried over
// as the user's own words.
const HARNESS_PREFIXES = [
  "<environment_context>",
  "<turn_aborted>",
  "<user_instructions>",
  "<user_action>",
  "# AGENTS.md instructions",
  SUMMARY_PREFIX,
];

/** The user's own messages in `history`, oldest first (Codex's `collect_user_messages`). */
export function collectUserMessages(history: readonly ResponseInputItem[]): ResponseInputItem[] {
  return history.filter((item) => {
    if (item.type !== "message" || (item as { role?: unknown }).role !== "user") return false;
    const text = messageText(item)?.trimStart() ?? "";
    return !HARNESS_PREFIXES.some((p) => text.startsWith(p));
  });
}

function userText(text: string, id?: string): ResponseInputItem {
  return { type: "message", ...(id ? { id } : {}), role: "user", content: [{ type: "input_text", text }] };
}

/**
 * The newest user messages that fit `maxTokens` (the one that does not fit is cut to the rest of
 * the budget), oldest first. Kept messages keep their ids, as Codex 0.169 re-sends them.
 */
export function selectUserMessages(
  messages: readonly ResponseInputItem[],
  maxTokens = COMPACT_USER_MESSAGE_MAX_TOKENS,
): ResponseInputItem[] {
  const selected: ResponseInputItem[] = [];
  let remaining = maxTokens;
  for (let i = messages.length - 1; i >= 0 && remaining > 0; i--) {
    const m = messages[i]!;
    const text = messageText(m) ?? "";
    const tokens = approxTokens(text);
    if (tokens <= remaining) {
      selected.push(m);
      remaining -= tokens;
    } else {
      selected.push(userText(truncateToTokens(text, remaining), newItemId("msg")));
      break;
    }
  }
  return selected.reverse();
}

/** Head of `text` within `tokens` (4 bytes each), never splitting a character. */
function truncateToTokens(text: string, tokens: number): string {
  const budget = tokens * 4;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    bytes += Buffer.byteLength(ch, "utf8");
    if (bytes > budget) break;
    end += ch.length;
  }
  return `${text.slice(0, end)}…`;
}

/** The summary message a local compaction leaves: Codex's prefix, a newline, the summary. */
export function summaryMessage(summary: string): ResponseInputItem {
  const body = summary.trim() === "" ? NO_SUMMARY : summary;
  return userText(`${SUMMARY_PREFIX}\n${body}`, newItemId("msg"));
}

/** The last assistant message's text among `items`, if any. */
export function lastAssistantText(items: readonly ResponseInputItem[]): string | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.type === "message" && (item as { role?: unknown }).role === "assistant")
      return messageText(item);
  }
  return undefined;
}
