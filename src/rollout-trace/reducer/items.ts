import type * as Crypto from "node:crypto";
import { createRequire } from "node:module";
import { TraceRuleError } from "../errors.js";
import { DEFAULT_MAX_JSON_DEPTH, jsonDepthExceeds } from "./limits.js";
import type {
  ConversationChannel,
  ConversationItem,
  ConversationItemKind,
  ConversationPart,
  ConversationRole,
} from "../state-schema.js";

/** A Responses item normalized to the reducer's conversation model (spec §9.4), not yet given an id. */
export interface NormalizedItem {
  responsesItemId: string | undefined;
  role: ConversationRole;
  channel: ConversationChannel | null;
  kind: ConversationItemKind;
  agentMessage: { author: string; recipient: string } | undefined;
  parts: ConversationPart[];
  callId: string | null;
}

type Json = Record<string, unknown>;

const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);
const JSON_SUMMARY_MAX_BYTES = 240;

/** Compact JSON cut to 240 UTF-8 bytes (on a character boundary) plus `...`. */
export function jsonSummary(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  if (text.length <= JSON_SUMMARY_MAX_BYTES / 3 || Buffer.byteLength(text) <= JSON_SUMMARY_MAX_BYTES)
    return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > JSON_SUMMARY_MAX_BYTES) break;
    bytes += n;
    end += ch.length;
  }
  return text.slice(0, end) + "...";
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

/**
 * The id in a schema-3 placeholder `{"$trace_unavailable": id}`: a fragment cut by a size limit
 * (spec v3 §6), which Codex 0.171 shows as a `payload_ref` to the fragment.
 */
function unavailableId(v: unknown): string | null {
  if (!isObject(v)) return null;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === "$trace_unavailable" ? str(v.$trace_unavailable) : null;
}

/** Literal text queued between values by {@link canonicalJson}. */
class Punct {
  constructor(readonly text: string) {}
}
const COMMA = new Punct(",");
const CLOSE_ARRAY = new Punct("]");
const CLOSE_OBJECT = new Punct("}");

/**
 * Compact JSON with object keys sorted at every level: serde_json's text of a `Value`. Built with
 * an explicit stack, never recursively, so a deep part costs heap, not the call stack.
 */
function canonicalJson(root: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v instanceof Punct) out.push(v.text);
    else if (Array.isArray(v)) {
      out.push("[");
      stack.push(CLOSE_ARRAY);
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push(v[i]);
        if (i > 0) stack.push(COMMA);
      }
    } else if (isObject(v)) {
      const keys = Object.keys(v).sort();
      out.push("{");
      stack.push(CLOSE_OBJECT);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push(v[keys[i]!]);
        stack.push(new Punct(`${i > 0 ? "," : ""}${JSON.stringify(keys[i])}:`));
      }
    } else out.push(JSON.stringify(v) ?? "null");
  }
  return out.join("");
}

let crypto: typeof Crypto | undefined;

/**
 * `node:crypto` costs about 5 ms to load (`await import("node:crypto")` in a fresh Node 20), and
 * only image and file parts need it: it is loaded on first use.
 */
function sha256Hex(text: string): string {
  crypto ??= createRequire(import.meta.url)("node:crypto") as typeof Crypto;
  return crypto.createHash("sha256").update(text).digest("hex");
}

/**
 * A content part Spool does not render (an image, a file, an untyped part): Codex 0.169 names it by
 * the SHA-256 of its canonical JSON, which is what identifies it when the history is re-sent.
 */
function contentRef(label: string, part: unknown, payloadId: string): ConversationPart {
  const content_sha256 = sha256Hex(canonicalJson(part));
  return { type: "payload_ref", label, raw_payload_id: payloadId, content_sha256 };
}

function contentParts(content: unknown, payloadId: string, missingLabel: string): ConversationPart[] {
  if (!Array.isArray(content))
    return [{ type: "payload_ref", label: missingLabel, raw_payload_id: payloadId }];
  return content.map((part): ConversationPart => {
    const type = isObject(part) ? str(part.type) : null;
    if (type === null) return contentRef("content", part, payloadId);
    if ((type === "input_text" || type === "output_text" || type === "text") && isObject(part)) {
      const text = str(part.text);
      if (text !== null) return { type: "text", text };
      const cut = unavailableId(part.text);
      if (cut !== null) return { type: "payload_ref", label: "text", raw_payload_id: cut };
    }
    return contentRef(type, part, payloadId);
  });
}

function outputParts(item: Json, payloadId: string): ConversationPart[] {
  if (!("output" in item)) return [{ type: "payload_ref", label: "tool_output", raw_payload_id: payloadId }];
  const output = item.output;
  if (typeof output === "string") return [{ type: "text", text: output }];
  if (Array.isArray(output)) return contentParts(output, payloadId, "tool_output");
  return [{ type: "json", summary: jsonSummary(output), raw_payload_id: payloadId }];
}

/** Builds a normalized item; one constructor keeps every item the same shape for the JIT. */
function mk(
  responsesItemId: string | undefined,
  role: ConversationRole,
  channel: ConversationChannel | null,
  kind: ConversationItemKind,
  parts: ConversationPart[],
  callId: string | null,
  agentMessage?: { author: string; recipient: string },
): NormalizedItem {
  return { responsesItemId, role, channel, kind, agentMessage, parts, callId };
}

function channelOfPhase(phase: unknown): ConversationChannel | null {
  if (phase === "commentary") return "commentary";
  if (phase === "final_answer") return "final";
  if (phase === "summary") return "summary";
  return null;
}

function encryptedPart(item: Json, what: string): ConversationPart {
  const value = str(item.encrypted_content);
  if (value === null) throw new TraceRuleError(`${what} item has no encrypted_content`);
  return { type: "encoded", label: "encrypted_content", value };
}

/**
 * Normalizes one Responses item (request input, response output or compaction history).
 * `payloadId` is the payload the item was read from (used by `json`/`payload_ref` parts).
 */
export function normalizeItem(raw: unknown, payloadId: string): NormalizedItem {
  if (!isObject(raw)) throw new TraceRuleError(`model item in ${payloadId} is not an object`);
  const type = str(raw.type);
  const id = str(raw.id) ?? undefined;
  const callId = str(raw.call_id);
  switch (type) {
    case "message": {
      const role = str(raw.role);
      if (role === null || !ROLES.has(role)) {
        throw new TraceRuleError(`unsupported message role ${JSON.stringify(raw.role)} in ${payloadId}`);
      }
      return mk(
        id,
        role as ConversationRole,
        channelOfPhase(raw.phase),
        "message",
        contentParts(raw.content, payloadId, "content"),
        null,
      );
    }
    case "agent_message": {
      const content = raw.content;
      if (!Array.isArray(content) || content.length === 0) {
        throw new TraceRuleError(`agent_message in ${payloadId} has no content`);
      }
      const parts = content.map((part): ConversationPart => {
        if (isObject(part) && part.type === "input_text" && typeof part.text === "string") {
          return { type: "text", text: part.text };
        }
        if (
          isObject(part) &&
          part.type === "encrypted_content" &&
          typeof part.encrypted_content === "string"
        ) {
          return { type: "encoded", label: "encrypted_content", value: part.encrypted_content };
        }
        throw new TraceRuleError(`unsupported agent_message content in ${payloadId}`);
      });
      return mk(id, "assistant", "analysis", "message", parts, null, {
        author: str(raw.author) ?? "",
        recipient: str(raw.recipient) ?? "",
      });
    }
    case "reasoning": {
      const parts: ConversationPart[] = [];
      if (Array.isArray(raw.content)) {
        for (const c of raw.content) {
          if (
            isObject(c) &&
            (c.type === "reasoning_text" || c.type === "text") &&
            typeof c.text === "string"
          ) {
            parts.push({ type: "text", text: c.text });
          }
        }
      }
      if (Array.isArray(raw.summary)) {
        for (const s of raw.summary) {
          if (isObject(s) && s.type === "summary_text" && typeof s.text === "string") {
            parts.push({ type: "summary", text: s.text });
          }
        }
      }
      if (typeof raw.encrypted_content === "string") parts.push(encryptedPart(raw, "reasoning"));
      if (parts.length === 0) throw new TraceRuleError(`reasoning item in ${payloadId} has no content`);
      return mk(id, "assistant", "analysis", "reasoning", parts, null);
    }
    case "function_call": {
      let part: ConversationPart;
      if (!("arguments" in raw)) part = { type: "payload_ref", label: "payload", raw_payload_id: payloadId };
      else if (typeof raw.arguments === "string") {
        let parsed: unknown;
        let ok = true;
        try {
          // Arguments nested past the reducer's depth bound stay text (they are never walked).
          if (jsonDepthExceeds(raw.arguments, DEFAULT_MAX_JSON_DEPTH)) throw new RangeError("too deep");
          parsed = JSON.parse(raw.arguments);
        } catch {
          ok = false;
        }
        part = ok
          ? { type: "json", summary: jsonSummary(parsed), raw_payload_id: payloadId }
          : { type: "text", text: raw.arguments };
      } else part = { type: "json", summary: jsonSummary(raw.arguments), raw_payload_id: payloadId };
      return mk(id, "assistant", "commentary", "function_call", [part], callId);
    }
    case "function_call_output":
    case "custom_tool_call_output":
      return mk(id, "tool", "commentary", type, outputParts(raw, payloadId), callId);
    case "custom_tool_call": {
      const input = str(raw.input);
      const part: ConversationPart =
        input === null
          ? { type: "json", summary: jsonSummary(raw), raw_payload_id: payloadId }
          : raw.name === "exec"
            ? { type: "code", language: "javascript", source: input }
            : { type: "text", text: input };
      return mk(id, "assistant", "commentary", "custom_tool_call", [part], callId);
    }
    case "tool_search_call":
    case "web_search_call":
    case "image_generation_call":
    case "local_shell_call":
      return mk(
        id,
        "assistant",
        "commentary",
        "function_call",
        [{ type: "json", summary: jsonSummary(raw), raw_payload_id: payloadId }],
        callId,
      );
    case "tool_search_output":
    case "mcp_tool_call_output":
      return mk(
        id,
        "tool",
        "commentary",
        "function_call_output",
        [{ type: "json", summary: jsonSummary(raw), raw_payload_id: payloadId }],
        callId,
      );
    case "compaction":
    case "compaction_summary":
    case "context_compaction":
      return mk(id, "assistant", "summary", "message", [encryptedPart(raw, type)], null);
    default:
      throw new TraceRuleError(`unsupported model item type ${JSON.stringify(raw.type)} in ${payloadId}`);
  }
}

function partsEqual(a: ConversationPart, b: ConversationPart): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case "text":
    case "summary":
      return a.text === (b as typeof a).text;
    case "encoded":
      return a.label === (b as typeof a).label && a.value === (b as typeof a).value;
    case "json":
      return a.summary === (b as typeof a).summary;
    case "code":
      return a.language === (b as typeof a).language && a.source === (b as typeof a).source;
    case "payload_ref": {
      // A hashed content part is the same wherever it was read; a whole-field reference (content
      // that is not an array, a missing output) only equals itself, so re-sending it makes a new item.
      const o = b as typeof a;
      if (a.label !== o.label) return false;
      if (a.content_sha256 !== undefined || o.content_sha256 !== undefined)
        return a.content_sha256 === o.content_sha256;
      return a.raw_payload_id === o.raw_payload_id;
    }
  }
}

function allPartsEqual(a: ConversationPart[], b: ConversationPart[]): boolean {
  return a.length === b.length && a.every((p, i) => partsEqual(p, b[i]!));
}

/**
 * Whether an already reduced item is the same conversation item as a newly read one. Two items that
 * both carry a Responses item id are the same only when the ids are equal, whatever their content
 * (observed on Codex 0.169: after a compaction Codex re-injects its context messages with new ids
 * and the reducer gives them new conversation items; a missing id on either side does not count).
 */
export function itemMatches(existing: ConversationItem, next: NormalizedItem): boolean {
  if (
    (existing.responses_item_id !== undefined &&
      next.responsesItemId !== undefined &&
      existing.responses_item_id !== next.responsesItemId) ||
    existing.role !== next.role ||
    existing.channel !== next.channel ||
    existing.kind !== next.kind ||
    existing.call_id !== next.callId
  ) {
    return false;
  }
  const ea = existing.agent_message;
  const na = next.agentMessage;
  if ((ea === undefined) !== (na === undefined)) return false;
  if (ea && na && (ea.author !== na.author || ea.recipient !== na.recipient)) return false;
  if (next.kind === "reasoning") {
    // Reasoning is re-sent encrypted: equal encrypted content identifies it even when the
    // readable parts differ between the response and a later request.
    const ee = existing.body.parts.filter((p) => p.type === "encoded");
    const ne = next.parts.filter((p) => p.type === "encoded");
    if (ee.length > 0 && ne.length > 0) return allPartsEqual(ee, ne);
  }
  return allPartsEqual(existing.body.parts, next.parts);
}
