import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { z } from "zod";

/**
 * The scripted model server's script: what each successive model request gets. Requests consume
 * `responses` in order whether they arrive over HTTP or WebSocket (WebSocket warm-ups with
 * `generate: false` consume nothing), so a retried request consumes the next step too. A step
 * with `when_input_contains` is skipped by requests it does not match, so a client that sends
 * requests of its own in between (the Codex TUI's title requests) cannot take it.
 */

const MessageOutputSchema = z
  .object({
    type: z.literal("message"),
    /** May contain `{{function_call_output}}` (the last tool output in the request) or `{{input_text}}`. */
    text: z.string(),
    /** Explicit deltas; by default `text` is split into `chunk_chars`-sized deltas. */
    deltas: z.array(z.string()).optional(),
  })
  .strict();

const FunctionCallOutputSchema = z
  .object({
    type: z.literal("function_call"),
    name: z.string().min(1),
    /** An object is JSON-encoded; a string is sent as is. */
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]),
    call_id: z.string().min(1).optional(),
    /** A tool of a Responses `namespace` tool (a client's `dynamicTools` namespace). */
    namespace: z.string().min(1).optional(),
  })
  .strict();

/** A freeform tool call (`custom_tool_call`), e.g. `apply_patch` with the patch as raw `input`. */
const CustomToolCallOutputSchema = z
  .object({
    type: z.literal("custom_tool_call"),
    name: z.string().min(1),
    input: z.string(),
    call_id: z.string().min(1).optional(),
  })
  .strict();

const ReasoningOutputSchema = z
  .object({
    type: z.literal("reasoning"),
    summary: z.array(z.string()).default([]),
    /** Raw reasoning text (`response.reasoning_text.delta`). */
    text: z.string().optional(),
    encrypted_content: z.string().optional(),
  })
  .strict();

/**
 * A remote-compaction answer: one `compaction` item (what OpenAI's Responses API returns for a
 * request whose input ends with `{"type":"compaction_trigger"}`). Default `encrypted_content`
 * names how many input items it stands for, so a test can tell one compaction from another.
 */
const CompactionOutputSchema = z
  .object({
    type: z.literal("compaction"),
    encrypted_content: z.string().min(1).optional(),
  })
  .strict();

export const ScriptOutputSchema = z.discriminatedUnion("type", [
  MessageOutputSchema,
  FunctionCallOutputSchema,
  CustomToolCallOutputSchema,
  ReasoningOutputSchema,
  CompactionOutputSchema,
]);
export type ScriptOutput = z.infer<typeof ScriptOutputSchema>;

export const ScriptFaultSchema = z
  .object({
    /** Answer with this HTTP status (over WebSocket: an `error` event carrying it). */
    http_status: z.number().int().min(400).max(599).optional(),
    /** `Retry-After` in seconds (with `http_status`). */
    retry_after: z.number().nonnegative().optional(),
    /** `retry-after-ms` (with `http_status`). */
    retry_after_ms: z.number().int().nonnegative().optional(),
    /** Close the connection abruptly after this many `*.delta` events. */
    cut_after_deltas: z.number().int().nonnegative().optional(),
    /** Accept the request and never answer (no headers, no WebSocket events). */
    never_send_headers: z.boolean().optional(),
    /** Send a malformed event right after `response.created`. */
    malformed_event: z.boolean().optional(),
    /** End with `response.failed` carrying this error. */
    fail: z
      .object({ code: z.string().default("server_error"), message: z.string() })
      .strict()
      .optional(),
    /** End with `response.incomplete` for this reason. */
    incomplete: z.string().optional(),
  })
  .strict();
export type ScriptFault = z.infer<typeof ScriptFaultSchema>;

export const ScriptUsageSchema = z
  .object({
    input_tokens: z.number().int().nonnegative(),
    cached_tokens: z.number().int().nonnegative().default(0),
    output_tokens: z.number().int().nonnegative(),
    reasoning_tokens: z.number().int().nonnegative().default(0),
  })
  .strict();

export const ScriptResponseSchema = z
  .object({
    output: z.array(ScriptOutputSchema).default([]),
    /** Default: estimated from the request and output sizes (chars / 4). */
    usage: ScriptUsageSchema.optional(),
    fault: ScriptFaultSchema.optional(),
    /** Delay before each event (a slow stream). Overrides the script's `event_delay_ms`. */
    event_delay_ms: z.number().int().nonnegative().optional(),
    /** Optional label, copied to the request log. */
    label: z.string().optional(),
    /**
     * Only a request whose last user message contains this string takes this step; other
     * requests pass it by and it waits for one that matches.
     */
    when_input_contains: z.string().min(1).optional(),
  })
  .strict();
export type ScriptResponse = z.infer<typeof ScriptResponseSchema>;

const HandshakeSchema = z.enum(["accept", "hang", "reject"]);

export const ModelScriptSchema = z
  .object({
    responses: z.array(ScriptResponseSchema),
    /** Size of generated deltas. */
    chunk_chars: z.number().int().positive().default(8),
    event_delay_ms: z.number().int().nonnegative().default(0),
    /** What a request past the end gets: an HTTP 500 naming the problem, or the last step again. */
    on_exhausted: z.enum(["error", "repeat_last"]).default("error"),
    websocket: z
      .object({
        /** One mode for every handshake, or one per connection in order (the last repeats). */
        handshake: z.union([HandshakeSchema, z.array(HandshakeSchema).min(1)]).default("accept"),
        reject_status: z.number().int().min(400).max(599).default(426),
      })
      .strict()
      .default({ handshake: "accept", reject_status: 426 }),
  })
  .strict();
export type ModelScript = z.infer<typeof ModelScriptSchema>;
export type ModelScriptInput = z.input<typeof ModelScriptSchema>;

/** A script file that cannot be used; the message names the file and the offending key. */
export class ScriptError extends Error {
  override readonly name = "ScriptError";
}

/** Validates a script object (throws `ScriptError` naming the path of the first problem). */
export function parseModelScript(value: unknown, source = "script"): ModelScript {
  const r = ModelScriptSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ScriptError(`${source}: ${issue.path.join(".") || "<root>"}: ${issue.message}`);
  }
  return r.data;
}

/** Reads a `.json` or `.toml` script file. */
export function loadModelScript(file: string): ModelScript {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ScriptError(`${file}: cannot read: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = extname(file).toLowerCase() === ".toml" ? parseToml(text) : JSON.parse(text);
  } catch (err) {
    const where = err instanceof TomlError ? `:${err.line}:${err.column}` : "";
    throw new ScriptError(
      `${file}${where}: invalid ${extname(file).slice(1) || "JSON"}: ${(err as Error).message.split("\n")[0]}`,
    );
  }
  return parseModelScript(value, file);
}
