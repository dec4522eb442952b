import { ManifestSchema, RawTraceEventSchema, RawTraceEventV3Schema } from "../schema.js";

// The zod schemas, loaded only once a manifest or line has failed the generated validators: zod
// says what is wrong, in the words the reducer has always used.

/** Event types only schema 3 has: Codex 0.169 rejects them as unknown variants. */
const V3_ONLY_EVENTS: ReadonlySet<string> = new Set(["code_cell_wait_target_resolved"]);

/** Why a manifest does not parse, e.g. `parse trace manifest: rollout_id: Invalid input…`. */
export function manifestErrorMessage(raw: unknown): string {
  const parsed = ManifestSchema.safeParse(raw);
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  return `parse trace manifest: ${issue?.path.join(".")}: ${issue?.message}`;
}

/** Why a `trace.jsonl` line is not an event of `version`; unknown event types list the accepted ones. */
export function eventErrorMessage(line: number, raw: unknown, version: 2 | 3): string {
  const type = (raw as { payload?: { type?: unknown } } | null)?.payload?.type;
  const variants = RawTraceEventSchema.shape.payload.options
    .map((o) => o.shape.type.value as string)
    .filter((v) => version === 3 || !V3_ONLY_EVENTS.has(v));
  if (typeof type === "string" && !variants.includes(type)) {
    return `parse trace event line ${line}: unknown variant \`${type}\`, expected one of ${variants.map((v) => `\`${v}\``).join(", ")}`;
  }
  const parsed = (version === 3 ? RawTraceEventV3Schema : RawTraceEventSchema).safeParse(raw);
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  return `parse trace event line ${line}: ${issue?.path.join(".") || "event"}: ${issue?.message}`;
}
