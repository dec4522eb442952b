import { TraceState } from "@opentelemetry/core";
import { logger } from "./log.js";
import { TelemetryConfigError } from "./errors.js";

const log = logger("spool_otel::trace_context");
const MAX_MEMBERS = 32;

/** Configured `[otel] tracestate`: member key → field key → value. */
export type ConfiguredTracestate = Record<string, Record<string, string>>;

function fieldKeyValid(key: string): boolean {
  return key.length > 0 && /^[!-~]+$/.test(key) && !/[:;,=]/.test(key);
}

function fieldValueValid(value: string): boolean {
  return /^[ -~]*$/.test(value) && !/[,=;]/.test(value);
}

function memberValueValid(value: string): boolean {
  return value === "" || (/^[ -~]+$/.test(value) && !/[,=]/.test(value) && !value.endsWith(" "));
}

/** W3C list-member key rules, as the SDK's `TraceState` enforces them. */
function memberKeyValid(key: string): boolean {
  return new TraceState().set(key, "x").get(key) === "x";
}

function encodeFields(fields: Record<string, string>): string {
  return Object.keys(fields)
    .sort()
    .map((k) => `${k}:${fields[k]}`)
    .join(";");
}

/**
 * Rejects configured tracestate entries that could not be propagated (spec/otel.md §6). Throws
 * `TelemetryConfigError` naming the `otel.tracestate` key.
 */
export function validateConfiguredTracestate(config: ConfiguredTracestate): void {
  const members = Object.keys(config);
  if (members.length > MAX_MEMBERS) {
    throw new TelemetryConfigError(`otel.tracestate: at most ${MAX_MEMBERS} members are allowed`);
  }
  for (const member of members) {
    const where = `otel.tracestate.${member}`;
    if (!memberKeyValid(member)) {
      throw new TelemetryConfigError(`${where}: not a valid W3C tracestate member key`);
    }
    const fields = config[member]!;
    for (const [key, value] of Object.entries(fields)) {
      if (!fieldKeyValid(key)) {
        throw new TelemetryConfigError(
          `${where}.${key}: field keys must be non-empty printable ASCII without ':' ';' ',' '='`,
        );
      }
      if (!fieldValueValid(value)) {
        throw new TelemetryConfigError(
          `${where}.${key}: field values must be printable ASCII without ',' '=' ';'`,
        );
      }
    }
    const encoded = encodeFields(fields);
    if (!memberValueValid(encoded)) {
      throw new TelemetryConfigError(`${where}: encoded value ${JSON.stringify(encoded)} is not valid`);
    }
  }
}

function memberCount(raw: string): number {
  return raw.split(",").filter((m) => m.trim() !== "").length;
}

function mergeMember(existing: string | undefined, fields: Record<string, string>): string {
  const parts = existing === undefined || existing === "" ? [] : existing.split(";");
  for (const key of Object.keys(fields).sort()) {
    const item = `${key}:${fields[key]}`;
    const at = parts.findIndex((p) => p.split(":", 1)[0] === key);
    if (at >= 0) parts[at] = item;
    else parts.push(item);
  }
  return parts.join(";");
}

/**
 * The carrier-time merge of configured members into a span's tracestate (spec/otel.md §6):
 * configured fields replace same-key fields, unknown fields stay in place, new fields are
 * appended, and configured members move to the front in sorted order. An invalid incoming
 * tracestate is dropped with a warning; an empty result is `undefined` (header omitted).
 */
export function mergeConfiguredTracestate(
  incoming: string | undefined,
  config: ConfiguredTracestate,
): string | undefined {
  let state = new TraceState(incoming ?? "");
  if (incoming !== undefined && incoming.trim() !== "") {
    const parsed = state.serialize();
    if (memberCount(parsed) !== memberCount(incoming)) {
      log.warn(`ignoring invalid tracestate while propagating trace context: ${incoming}`);
      state = new TraceState("");
    }
  }
  for (const member of Object.keys(config).sort().reverse()) {
    const value = mergeMember(state.get(member), config[member]!);
    const next = state.set(member, value);
    if (next.get(member) !== value || memberCount(next.serialize()) > MAX_MEMBERS) {
      log.warn(`ignoring configured tracestate member ${member}: cannot insert into tracestate`);
      break;
    }
    state = next;
  }
  const out = state.serialize();
  return out === "" ? undefined : out;
}
