import { ManifestSchema, RawTraceEventSchema } from "../schema.js";

// The zod schemas, loaded only once a manifest or line has failed the generated validators: zod
// says what is wrong, in the words the reducer has always used.

/** Why a manifest does not parse, e.g. `parse trace manifest: rollout_id: Invalid input…`. */
export function manifestErrorMessage(raw: unknown): string {
  const parsed = ManifestSchema.safeParse(raw);
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  return `parse trace manifest: ${issue?.path.join(".")}: ${issue?.message}`;
}

/** Why a `trace.jsonl` line is not an event; unknown event types list the accepted ones. */
export function eventErrorMessage(line: number, raw: unknown): string {
  const type = (raw as { payload?: { type?: unknown } } | null)?.payload?.type;
  const variants: string[] = RawTraceEventSchema.shape.payload.options.map((o) => o.shape.type.value);
  if (typeof type === "string" && !variants.includes(type)) {
    return `parse trace event line ${line}: unknown variant \`${type}\`, expected one of ${variants.map((v) => `\`${v}\``).join(", ")}`;
  }
  const parsed = RawTraceEventSchema.safeParse(raw);
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  return `parse trace event line ${line}: ${issue?.path.join(".") || "event"}: ${issue?.message}`;
}
