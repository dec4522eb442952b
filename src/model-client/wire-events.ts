import { z } from "zod";

/**
 * The Responses API server events Spool understands, as they appear on the wire (SSE `data:`
 * payloads and WebSocket text messages carry the same JSON). Objects are loose: the API adds
 * fields over time and a new field must never fail a turn.
 */

const int = z.number().int();

/** One output or input item (`message`, `function_call`, `reasoning`, ...), kept as sent. */
export const ResponseItemSchema = z.object({ type: z.string(), id: z.string().optional() }).loose();
export type ResponseItem = z.infer<typeof ResponseItemSchema>;

export const UsageSchema = z
  .object({
    input_tokens: int,
    input_tokens_details: z.object({ cached_tokens: int.optional() }).loose().nullish(),
    output_tokens: int,
    output_tokens_details: z.object({ reasoning_tokens: int.optional() }).loose().nullish(),
    total_tokens: int.optional(),
  })
  .loose();
export type WireUsage = z.infer<typeof UsageSchema>;

const ErrorBodySchema = z
  .object({ code: z.string().nullish(), message: z.string().nullish(), type: z.string().nullish() })
  .loose();

export const ResponseObjectSchema = z
  .object({
    id: z.string(),
    status: z.string().optional(),
    model: z.string().optional(),
    output: z.array(ResponseItemSchema).optional(),
    usage: UsageSchema.nullish(),
    error: ErrorBodySchema.nullish(),
    incomplete_details: z.object({ reason: z.string().nullish() }).loose().nullish(),
  })
  .loose();
export type ResponseObject = z.infer<typeof ResponseObjectSchema>;

const withResponse = <T extends string>(type: T) =>
  z.object({ type: z.literal(type), response: ResponseObjectSchema }).loose();

const CreatedSchema = withResponse("response.created");
const CompletedSchema = withResponse("response.completed");
const FailedSchema = withResponse("response.failed");
const IncompleteSchema = withResponse("response.incomplete");
const ItemAddedSchema = z
  .object({ type: z.literal("response.output_item.added"), output_index: int, item: ResponseItemSchema })
  .loose();
const ItemDoneSchema = z
  .object({ type: z.literal("response.output_item.done"), output_index: int, item: ResponseItemSchema })
  .loose();
const TextDeltaSchema = z
  .object({
    type: z.literal("response.output_text.delta"),
    item_id: z.string(),
    output_index: int,
    content_index: int,
    delta: z.string(),
  })
  .loose();
const ReasoningSummaryDeltaSchema = z
  .object({
    type: z.literal("response.reasoning_summary_text.delta"),
    item_id: z.string(),
    output_index: int,
    summary_index: int,
    delta: z.string(),
  })
  .loose();
const ReasoningTextDeltaSchema = z
  .object({
    type: z.literal("response.reasoning_text.delta"),
    item_id: z.string(),
    output_index: int,
    content_index: int,
    delta: z.string(),
  })
  .loose();
const ArgsDeltaSchema = z
  .object({
    type: z.literal("response.function_call_arguments.delta"),
    item_id: z.string(),
    output_index: int,
    delta: z.string(),
  })
  .loose();
const ArgsDoneSchema = z
  .object({
    type: z.literal("response.function_call_arguments.done"),
    item_id: z.string(),
    output_index: int,
    arguments: z.string(),
  })
  .loose();
/**
 * `error`: over SSE the fields are top level (`code`, `message`, `param`); over WebSocket the
 * API nests them (`{"type":"error","status":429,"error":{...}}`). Both are accepted.
 */
const ErrorEventSchema = z
  .object({
    type: z.literal("error"),
    code: z.string().nullish(),
    message: z.string().nullish(),
    param: z.string().nullish(),
    status: int.nullish(),
    error: ErrorBodySchema.nullish(),
  })
  .loose();

export const KnownServerEventSchema = z.discriminatedUnion("type", [
  CreatedSchema,
  ItemAddedSchema,
  ItemDoneSchema,
  TextDeltaSchema,
  ReasoningSummaryDeltaSchema,
  ReasoningTextDeltaSchema,
  ArgsDeltaSchema,
  ArgsDoneSchema,
  CompletedSchema,
  FailedSchema,
  IncompleteSchema,
  ErrorEventSchema,
]);

/** A server event the client maps to a typed event; other event types are counted and skipped. */
export type ResponsesStreamEvent = z.infer<typeof KnownServerEventSchema>;
export type ResponsesEventType = ResponsesStreamEvent["type"];

const KNOWN_TYPES: ReadonlySet<string> = new Set(
  KnownServerEventSchema.options.map((o) => o.shape.type.value),
);

/** The delta events and the index field each requires besides `item_id` / `output_index`. */
const DELTA_INDEX_FIELD: ReadonlyMap<string, string> = new Map([
  ["response.output_text.delta", "content_index"],
  ["response.reasoning_text.delta", "content_index"],
  ["response.reasoning_summary_text.delta", "summary_index"],
  ["response.function_call_arguments.delta", ""],
]);

/** True for the events that end a response. */
export function isTerminalEvent(
  e: ResponsesStreamEvent,
): e is Extract<
  ResponsesStreamEvent,
  { type: "response.completed" | "response.failed" | "response.incomplete" | "error" }
> {
  return (
    e.type === "response.completed" ||
    e.type === "response.failed" ||
    e.type === "response.incomplete" ||
    e.type === "error"
  );
}

/** Thrown for a server event that is not JSON or not the shape its type requires. */
export class MalformedEventError extends Error {
  override readonly name = "MalformedEventError";
  constructor(
    readonly eventType: string,
    detail: string,
  ) {
    super(`malformed Responses API event ${JSON.stringify(eventType)}: ${detail}`);
  }
}

/**
 * Parses one event's JSON text. Returns `undefined` for a well-formed event of a type Spool does
 * not act on (e.g. `response.in_progress`); throws `MalformedEventError` naming the event type.
 *
 * @param sseEventName the SSE `event:` field when there is one (names the event when the JSON is bad)
 */
export function parseServerEvent(data: string, sseEventName?: string): ResponsesStreamEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (err) {
    throw new MalformedEventError(sseEventName ?? "<unknown>", `invalid JSON (${(err as Error).message})`);
  }
  if (typeof json !== "object" || json === null || typeof (json as { type?: unknown }).type !== "string") {
    throw new MalformedEventError(sseEventName ?? "<unknown>", "missing string field `type`");
  }
  const type = (json as { type: string }).type;
  // Deltas are nearly every event of a stream: checked by hand (no copy), the rest through zod.
  const indexField = DELTA_INDEX_FIELD.get(type);
  if (indexField !== undefined) {
    const o = json as Record<string, unknown>;
    if (
      typeof o.delta === "string" &&
      typeof o.item_id === "string" &&
      Number.isInteger(o.output_index) &&
      (indexField === "" || Number.isInteger(o[indexField]))
    ) {
      return json as ResponsesStreamEvent;
    }
  } else if (!KNOWN_TYPES.has(type)) {
    return undefined;
  }
  const parsed = KnownServerEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MalformedEventError(type, `${issue.path.join(".") || "<root>"}: ${issue.message}`);
  }
  return parsed.data;
}

/** The error text of a `response.failed` or `error` event. */
export function serverErrorOf(e: ResponsesStreamEvent): { code: string | undefined; message: string } {
  if (e.type === "error") {
    const code = e.code ?? e.error?.code ?? e.error?.type ?? undefined;
    return { code, message: e.message ?? e.error?.message ?? "error event without a message" };
  }
  if (e.type === "response.failed") {
    return {
      code: e.response.error?.code ?? undefined,
      message: e.response.error?.message ?? "response.failed without an error message",
    };
  }
  if (e.type === "response.incomplete") {
    const reason = e.response.incomplete_details?.reason ?? "unknown";
    return { code: "incomplete", message: `incomplete response returned, reason: ${reason}` };
  }
  return { code: undefined, message: e.type };
}
