import { TraceRuleError } from "../errors.js";
import type { RawPayloadRefV3, RawTraceEvent } from "../schema.js";
import { ShardStore, type ShardStoreOptions } from "../shard-reader.js";
import { UNAVAILABLE, type EventPayloads } from "./apply-core.js";
import type { RecordingStatus } from "./graph.js";

/** How a payload's JSON is checked; the words are Codex 0.171's (spec v3 §12 step 4). */
type ParseRule = "parse" | "invalid";

/** Kinds that fragments reuse across requests: kept in memory after a read. */
const REUSED_KINDS = new Set(["model_item", "content_value"]);

/** What the reducer needs from a ref, in the order Codex reads them. */
interface Need {
  ref: RawPayloadRefV3;
  rule: ParseRule;
}

/**
 * Payloads of a schema-3 bundle for the replay: registers every ref (nested parts included) the
 * way Codex 0.171's reducer does — identical id ⇒ identical ref, omitted refs have no shard — and
 * resolves the payloads an event needs from the shards: truncated and omitted payloads are
 * unavailable, fragment templates are assembled with `{"$trace_unavailable":id}` for unavailable
 * parts, JSON is parsed. Protocol-event payloads are checked but their errors wait for the end of
 * the replay, after the shard footers, as Codex orders them (spec v3 §4.3).
 */
export class ShardPayloadSource {
  readonly store: ShardStore;
  private readonly known = new Map<string, string>();
  private readonly shards = new Set<number>();
  private partial = false;
  private deferred: TraceRuleError | null = null;
  private compressedBytes = 0;

  constructor(bundle: string, options: ShardStoreOptions = {}) {
    this.store = new ShardStore(bundle, {
      ...options,
      onBytes: (n) => {
        this.compressedBytes += n;
        options.onBytes?.(n);
      },
    });
  }

  /** Compressed shard bytes read so far. */
  get bytesRead(): number {
    return this.compressedBytes;
  }

  /**
   * Registers `ref` and its parts; returns the normalized refs (as `raw_payloads` holds them),
   * outermost first.
   */
  register(ref: RawPayloadRefV3, out: RawPayloadRefV3[] = []): RawPayloadRefV3[] {
    const normal = normalizeRef(ref);
    const key = JSON.stringify(normal);
    const seen = this.known.get(ref.raw_payload_id);
    if (seen !== undefined && seen !== key) {
      throw new TraceRuleError(`conflicting references for payload ${ref.raw_payload_id}`);
    }
    if (seen === undefined) {
      this.known.set(ref.raw_payload_id, key);
      const status = ref.capture?.status;
      if (status === "omitted" && ref.shard != null) throw new TraceRuleError("omitted payload has a shard");
      if (status === "truncated" || status === "omitted") this.partial = true;
      if (ref.shard != null && status !== "omitted") this.shards.add(ref.shard);
    }
    out.push(normal);
    for (const part of ref.parts ?? []) this.register(part, out);
    return out;
  }

  /**
   * The stored bytes of `ref` with fragments assembled, or `null` when the payload is unavailable
   * (truncated or omitted by a size limit).
   */
  bytes(ref: RawPayloadRefV3): string | null {
    const status = ref.capture?.status;
    if (status === "omitted") return null;
    if (ref.shard == null) throw new TraceRuleError("payload omitted by size limit");
    const reused = REUSED_KINDS.has(ref.kind.type);
    const stored = this.store.read(ref.raw_payload_id, ref.shard, !reused);
    if (ref.capture?.status === "truncated") {
      const { retained_bytes: retained, original_bytes: original } = ref.capture;
      if (stored.length !== retained || retained >= original) {
        throw new TraceRuleError("invalid retained length", this.store.relative(ref.shard));
      }
      return null;
    }
    const parts = ref.parts ?? [];
    if (parts.length === 0) return stored.toString("utf8");
    let template: unknown;
    try {
      template = JSON.parse(stored.toString("utf8"));
    } catch {
      throw new TraceRuleError(`invalid payload ${ref.raw_payload_id}`);
    }
    if (!Array.isArray(template) || !template.every((t) => typeof t === "string")) {
      throw new TraceRuleError(`invalid payload fragment template ${ref.raw_payload_id}: expected an array of strings`);
    }
    if (template.length !== parts.length + 1) throw new TraceRuleError("invalid payload fragment count");
    const pieces: string[] = [template[0] as string];
    parts.forEach((part, i) => {
      pieces.push(this.bytes(part) ?? `{"$trace_unavailable":${JSON.stringify(part.raw_payload_id)}}`);
      pieces.push(template[i + 1] as string);
    });
    return pieces.join("");
  }

  /** The parsed payload, or {@link UNAVAILABLE}. */
  value(ref: RawPayloadRefV3, rule: ParseRule): unknown {
    const text = this.bytes(ref);
    if (text === null) return UNAVAILABLE;
    try {
      return JSON.parse(text);
    } catch {
      throw new TraceRuleError(`${rule === "invalid" ? "invalid" : "parse"} payload ${ref.raw_payload_id}`);
    }
  }

  /** Registers the event's refs into `rawPayloads` and resolves the payloads its rules read. */
  forEvent(ev: RawTraceEvent, rawPayloads: Map<string, unknown>): EventPayloads {
    const out = new Map<string, unknown>();
    for (const need of needsOf(ev)) {
      for (const normal of this.register(need.ref)) {
        if (!rawPayloads.has(normal.raw_payload_id)) rawPayloads.set(normal.raw_payload_id, normal);
      }
    }
    for (const need of needsOf(ev)) {
      if (out.has(need.ref.raw_payload_id)) continue;
      if (ev.payload.type === "protocol_event_observed" || need.ref.kind.type === "warmup_context") {
        this.checkLater(need);
        continue;
      }
      out.set(need.ref.raw_payload_id, this.value(need.ref, need.rule));
    }
    return out;
  }

  private checkLater(need: Need): void {
    if (this.deferred) return;
    try {
      this.value(need.ref, need.rule);
    } catch (err) {
      if (!(err instanceof TraceRuleError)) throw err;
      this.deferred = err;
    }
  }

  /**
   * End-of-replay checks: every referenced shard opens and decodes; a shard without footer is an
   * error unless it is the last one of an unclosed recording (a writer that crashed leaves it so);
   * then deferred payload errors. Returns the recording status.
   */
  finish(completed: boolean): RecordingStatus {
    const numbers = [...this.shards].sort((a, b) => a - b);
    const last = numbers.at(-1);
    for (const n of numbers) {
      const scan = this.store.scan(n);
      if (!scan.sealed && (completed || n !== last)) {
        throw new TraceRuleError(`missing footer in payload shard ${n}`, this.store.relative(n));
      }
    }
    if (this.deferred) throw this.deferred;
    if (!completed) return "unclosed";
    return this.partial ? "closed_with_partial_payloads" : "complete";
  }
}

/** A ref as `state.json` lists it: complete capture dropped, `shard: null` kept, parts normalized. */
export function normalizeRef(ref: RawPayloadRefV3): RawPayloadRefV3 {
  const out: RawPayloadRefV3 = {
    raw_payload_id: ref.raw_payload_id,
    kind: { type: ref.kind.type },
    shard: ref.shard ?? null,
  };
  if (ref.capture && ref.capture.status !== "complete") out.capture = ref.capture;
  if (ref.parts && ref.parts.length > 0) out.parts = ref.parts.map(normalizeRef);
  return out;
}

function need(ref: RawPayloadRefV3 | null | undefined, rule: ParseRule = "parse"): Need[] {
  return ref ? [{ ref, rule }] : [];
}

/** The refs of an event in field order, with the parse rule Codex applies to each. */
function needsOf(ev: RawTraceEvent): Need[] {
  const p = ev.payload as RawTraceEvent["payload"] & Record<string, unknown>;
  const r = (v: unknown): RawPayloadRefV3 | null => (v ?? null) as RawPayloadRefV3 | null;
  switch (p.type) {
    case "thread_started":
      return need(r(p.metadata_payload));
    case "history_item_accepted":
      return [...need(r(p.agent_message_payload)), ...need(r(p.tool_output_payload))];
    case "inference_started":
      return [
        ...need(r(p.request_payload)),
        ...need(r(p.prepared_prompt_payload), "invalid"),
        ...need(r(p.warmup_context_payload)),
      ];
    case "compaction_request_started":
      return need(r(p.request_payload));
    case "inference_completed":
    case "compaction_request_completed":
      return need(r(p.response_payload));
    case "inference_failed":
    case "inference_cancelled":
      return need(r(p.partial_response_payload));
    case "tool_call_started":
      return need(r(p.invocation_payload));
    case "tool_call_runtime_started":
    case "tool_call_runtime_ended":
      return need(r(p.runtime_payload));
    case "tool_call_ended":
      return need(r(p.result_payload));
    case "code_cell_initial_response":
    case "code_cell_ended":
      return need(r(p.response_payload));
    case "compaction_installed":
      return need(r(p.checkpoint_payload));
    case "agent_result_observed":
      return need(r(p.carried_payload));
    case "protocol_event_observed":
      return need(r(p.event_payload), "invalid");
    case "other":
      return p.payloads.map((ref) => ({ ref: ref as RawPayloadRefV3, rule: "parse" as const }));
    default:
      return [];
  }
}
