import { readFileSync } from "node:fs";
import { extname } from "node:path";
import type { ContentPart, ResponseInputItem } from "../model-client/index.js";
import type { UserInput } from "../protocol/index.js";
import { newItemId, stableItemId } from "./ids.js";
import { approvalPolicyName, type ThreadSettings } from "./settings.js";

/** Spool's default base instructions (a thread's `baseInstructions` replaces them). */
export const DEFAULT_BASE_INSTRUCTIONS = [
  "You are Spool, a coding agent running behind an app-server. You are precise, safe and helpful.",
  "",
  "- Work in the user's workspace; the environment context tells you the working directory and the sandbox.",
  "- Stream short, direct answers. State assumptions and next steps plainly.",
  "- Use the tools you are given when they help; never invent tool results.",
].join("\n");

type MessageItem = Extract<ResponseInputItem, { type: "message"; content: ContentPart[] }> & { id: string };

/** The Responses `id` of a history item, when it has one (tool outputs do not). */
export function itemIdOf(item: ResponseInputItem): string | undefined {
  const id = (item as { id?: unknown }).id;
  return typeof id === "string" ? id : undefined;
}

function message(role: "user" | "developer", text: string, id: string): MessageItem {
  return { type: "message", id, role, content: [{ type: "input_text", text }] };
}

/**
 * The developer message carrying the base instructions: sent first in every request, never
 * part of the thread's history (so never accepted in the rollout), with an id stable per text.
 */
export function baseInstructionsItem(settings: ThreadSettings): ResponseInputItem {
  const text = settings.baseInstructions ?? DEFAULT_BASE_INSTRUCTIONS;
  return message("developer", text, stableItemId("msg", text));
}

/** The context items a thread's first turn adds to history: developer instructions, environment. */
export function initialContextItems(settings: ThreadSettings, now = new Date()): ResponseInputItem[] {
  const items: ResponseInputItem[] = [];
  if (settings.developerInstructions) {
    items.push(message("developer", settings.developerInstructions, newItemId("msg")));
  }
  items.push(message("user", environmentContext(settings, now), newItemId("msg")));
  return items;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Codex's `<environment_context>` block: where the agent runs and under which permissions. */
export function environmentContext(settings: ThreadSettings, now: Date): string {
  const shell = (process.env.SHELL ?? "bash").split("/").pop() || "bash";
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
  return [
    "<environment_context>",
    `  <cwd>${xmlEscape(settings.cwd)}</cwd>`,
    `  <approval_policy>${approvalPolicyName(settings.approvalPolicy)}</approval_policy>`,
    `  <sandbox_mode>${settings.sandbox.type}</sandbox_mode>`,
    `  <shell>${xmlEscape(shell)}</shell>`,
    `  <current_date>${now.toISOString().slice(0, 10)}</current_date>`,
    `  <timezone>${xmlEscape(tz)}</timezone>`,
    "</environment_context>",
  ].join("\n");
}

const IMAGE_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
};

function userContent(input: UserInput): Record<string, unknown> {
  switch (input.type) {
    case "text":
      return { type: "input_text", text: input.text };
    case "image":
      return input.url !== undefined
        ? { type: "input_image", image_url: input.url, detail: input.detail ?? "auto" }
        : { type: "input_image", file_id: input.fileId, detail: input.detail ?? "auto" };
    case "localImage": {
      const mime = IMAGE_TYPES[extname(input.path).toLowerCase()];
      try {
        if (!mime) throw new Error("unsupported image type");
        const data = readFileSync(input.path).toString("base64");
        return {
          type: "input_image",
          image_url: `data:${mime};base64,${data}`,
          detail: input.detail ?? "auto",
        };
      } catch (err) {
        return {
          type: "input_text",
          text: `[image ${input.path} could not be read: ${(err as Error).message}]`,
        };
      }
    }
    case "skill":
    case "mention":
      return { type: "input_text", text: `[${input.type} ${input.name}: ${input.path}]` };
    default:
      return { type: "input_text", text: `[${input.type} input is not supported by Spool]` };
  }
}

/** The user message item for a turn's input (id `msg_<uuidv7>`, as Codex assigns). */
export function userMessageItem(inputs: readonly UserInput[]): MessageItem {
  return {
    type: "message",
    id: newItemId("msg"),
    role: "user",
    content: inputs.map(userContent) as unknown as ContentPart[],
  };
}

/** Plain text of a turn's input: the thread preview and the `codex.user_prompt` text. */
export function inputText(inputs: readonly UserInput[]): string {
  return inputs
    .filter((i): i is Extract<UserInput, { type: "text" }> => i.type === "text")
    .map((i) => i.text)
    .join("\n");
}

/**
 * The marker added to history after an interrupted turn's input, so the next request tells the
 * model that turn ended early (spec/app-server.md §10: `<turn_aborted>`).
 */
export function turnAbortedItem(turnId: string): MessageItem {
  const text = [
    "<turn_aborted>",
    `  <turn_id>${turnId}</turn_id>`,
    "  <reason>interrupted</reason>",
    "  <guidance>The user interrupted the previous turn. Do not continue it unless asked.</guidance>",
    "</turn_aborted>",
  ].join("\n");
  return message("user", text, newItemId("msg"));
}
