import { TraceRuleError } from "../errors.js";
import type { AnyPayloadRef, RawPayloadRefV3 } from "../schema.js";
import { ShardStore, type ShardStoreOptions } from "../shard-reader.js";
import type { PayloadBody, PayloadSource, PayloadSourceEnd, PayloadUse } from "./payload-source.js";

/** Kinds that fragments reuse across requests: kept in memory after a read. */
const REUSED_KINDS: ReadonlySet<string> = new Set(["model_item", "content_value"]);

/**
 * Schema 3 (Codex 0.171, spec v3 §4–§7): payload records in zstd shards `payloads/NNNNNN.zst`.
 * A truncated or omitted payload is unavailable; a fragment template is assembled from its parts
 * with `{"$trace_unavailable":id}` for unavailable parts. Payloads no reducer rule reads are only
 * checked here: protocol events (their errors wait until after the shard footers, as in Codex,
 * spec v3 §4.3) and prepared prompts (assembled and parsed, `invalid payload <id>`); both come
 * back unavailable so the replay does not parse them twice.
 *
 * @example
 * const source = shardPayloadSource("/tmp/traces/trace-…");
 * const body = await source.load(ref, { eventType: "inference_started" });
 */
export function shardPayloadSource(
  bundle: string,
  options: ShardStoreOptions = {},
): PayloadSource<AnyPayloadRef> {
  let compressed = 0;
  const store = new ShardStore(bundle, {
    ...options,
    onBytes: (n) => {
      compressed += n;
      options.onBytes?.(n);
    },
  });
  let deferred: TraceRuleError | null = null;

  const assemble = (ref: RawPayloadRefV3): string | null => assemblePayload(store, ref);

  /** Assembles and parses a payload no rule reads; `invalid payload <id>` when it is not JSON. */
  const check = (ref: RawPayloadRefV3): void => {
    if (provedValid(ref)) return;
    const text = assemble(ref);
    if (text === null) return;
    try {
      JSON.parse(text);
    } catch {
      throw new TraceRuleError(`invalid payload ${ref.raw_payload_id}`);
    }
  };

  // Records found to be JSON values on their own: prepared prompts reuse the same model items, so
  // each is parsed once, not once per prompt.
  const validRecords = new Set<string>();
  /**
   * A sufficient test for "the assembled payload is JSON" that parses each record once: every part
   * is a JSON value and the template is JSON with a value in each part's place. When it fails the
   * caller assembles and parses, so errors stay exactly Codex's.
   */
  const provedValid = (ref: RawPayloadRefV3): boolean => {
    if (ref.capture?.status === "omitted" || ref.capture?.status === "truncated") return true;
    const parts = ref.parts ?? [];
    if (parts.length === 0) {
      if (validRecords.has(ref.raw_payload_id)) return true;
      try {
        const text = assemble(ref);
        if (text !== null) JSON.parse(text);
      } catch {
        return false;
      }
      validRecords.add(ref.raw_payload_id);
      return true;
    }
    if (ref.shard == null) return false;
    let template: unknown;
    try {
      template = JSON.parse(store.read(ref.raw_payload_id, ref.shard, true).toString("utf8"));
    } catch {
      return false;
    }
    if (!Array.isArray(template) || template.length !== parts.length + 1) return false;
    if (!parts.every(provedValid)) return false;
    try {
      JSON.parse(template.join("0"));
      return true;
    } catch {
      return false;
    }
  };

  return {
    load(anyRef: AnyPayloadRef, use: PayloadUse): Promise<PayloadBody> {
      const ref = anyRef as RawPayloadRefV3;
      const before = compressed;
      const bytes = (): number => compressed - before;
      try {
        if (use.eventType === "protocol_event_observed") {
          try {
            check(ref);
          } catch (err) {
            if (!(err instanceof TraceRuleError)) throw err;
            deferred ??= err;
          }
          return Promise.resolve({ available: false, bytes: bytes() });
        }
        if (ref.kind.type === "prepared_prompt" || ref.kind.type === "warmup_context") {
          check(ref);
          return Promise.resolve({ available: false, bytes: bytes() });
        }
        const text = assemble(ref);
        return Promise.resolve(
          text === null ? { available: false, bytes: bytes() } : { available: true, text, bytes: bytes() },
        );
      } catch (err) {
        return Promise.reject(err as Error);
      }
    },

    /**
     * Every referenced shard decodes; a shard without footer is an error unless it is the last
     * one of an unclosed recording (a writer that crashed leaves it so); then deferred errors.
     */
    finish(end: PayloadSourceEnd<AnyPayloadRef>): void {
      const numbers = new Set<number>();
      for (const r of end.refs.values()) {
        const ref = r as RawPayloadRefV3;
        if (ref.shard != null && ref.capture?.status !== "omitted") numbers.add(ref.shard);
      }
      const sorted = [...numbers].sort((a, b) => a - b);
      const last = sorted.at(-1);
      for (const n of sorted) {
        if (!store.scan(n).sealed && (end.recordingComplete || n !== last)) {
          throw new TraceRuleError(`missing footer in payload shard ${n}`, store.relative(n));
        }
      }
      if (deferred) throw deferred;
    },
  };
}

/**
 * The stored text of a schema-3 payload with fragments assembled (spec v3 §6, §7), or `null` when
 * it is unavailable (truncated or omitted by a size limit). Unavailable parts are spliced in as
 * `{"$trace_unavailable":"<id>"}`, the placeholder Codex 0.171 uses.
 */
export function assemblePayload(store: ShardStore, ref: RawPayloadRefV3): string | null {
  if (ref.capture?.status === "omitted") return null;
  if (ref.shard == null) throw new TraceRuleError("payload omitted by size limit");
  const stored = store.read(ref.raw_payload_id, ref.shard, !REUSED_KINDS.has(ref.kind.type));
  if (ref.capture?.status === "truncated") {
    const { retained_bytes: retained, original_bytes: original } = ref.capture;
    if (stored.length !== retained || retained >= original) {
      throw new TraceRuleError("invalid retained length", store.relative(ref.shard));
    }
    // Never parsed, even when the prefix happens to be valid JSON (spec v3 §7.2).
    return null;
  }
  const parts = ref.parts ?? [];
  if (parts.length === 0) return stored.toString("utf8");
  let template: unknown;
  try {
    template = JSON.parse(stored.toString("utf8"));
  } catch {
    throw new TraceRuleError(`invalid payload ${ref.raw_payload_id}`, store.relative(ref.shard));
  }
  if (!Array.isArray(template) || !template.every((t) => typeof t === "string")) {
    throw new TraceRuleError(
      `invalid payload ${ref.raw_payload_id}: a fragment template is an array of strings`,
      store.relative(ref.shard),
    );
  }
  if (template.length !== parts.length + 1) throw new TraceRuleError("invalid payload fragment count");
  let text = template[0] as string;
  parts.forEach((part, i) => {
    text += assemblePayload(store, part) ?? `{"$trace_unavailable":${JSON.stringify(part.raw_payload_id)}}`;
    text += template[i + 1] as string;
  });
  return text;
}

/**
 * Registers a schema-3 ref and its parts (each its own `raw_payloads` entry) as Codex 0.171 does:
 * every occurrence of an id must be the same ref, and an omitted payload has no shard. The entry
 * is the ref as `state.json` lists it: complete capture dropped, `shard: null` kept.
 *
 * A prepared prompt lists every model item of the conversation so far, so a session's prompts
 * repeat the same parts thousands of times. The normalized parts of a new ref are the registered
 * entries themselves: an identical reference normalizes to the same value (the validators build
 * each ref with its keys in one order), so sharing it changes nothing in `state.json` and saves a
 * copy per occurrence.
 */
export function registerRefV3(ref: RawPayloadRefV3, registry: Map<string, AnyPayloadRef>): void {
  const known = registry.get(ref.raw_payload_id);
  if (known !== undefined) {
    if (!sameRef(known as RawPayloadRefV3, ref)) {
      throw new TraceRuleError(`conflicting references for payload ${ref.raw_payload_id}`);
    }
    return;
  }
  const normal: RawPayloadRefV3 = {
    raw_payload_id: ref.raw_payload_id,
    kind: { type: ref.kind.type },
    shard: ref.shard ?? null,
  };
  if (ref.capture && ref.capture.status !== "complete") normal.capture = ref.capture;
  if (ref.capture?.status === "omitted" && ref.shard != null) {
    throw new TraceRuleError("omitted payload has a shard");
  }
  registry.set(ref.raw_payload_id, normal);
  const parts = ref.parts ?? [];
  if (parts.length === 0) return;
  for (const part of parts) registerRefV3(part, registry);
  normal.parts = parts.map((part) => registry.get(part.raw_payload_id) as RawPayloadRefV3);
}

/** Codex's "identical reference": id, kind, shard, capture (absent = complete) and parts, recursively. */
function sameRef(a: RawPayloadRefV3, b: RawPayloadRefV3): boolean {
  if (a.raw_payload_id !== b.raw_payload_id || a.kind.type !== b.kind.type) return false;
  if ((a.shard ?? null) !== (b.shard ?? null)) return false;
  const ca = a.capture?.status === "complete" ? undefined : a.capture;
  const cb = b.capture?.status === "complete" ? undefined : b.capture;
  if (ca?.status !== cb?.status) return false;
  if (ca && cb && ca.original_bytes !== cb.original_bytes) return false;
  if (ca?.status === "truncated" && cb?.status === "truncated" && ca.retained_bytes !== cb.retained_bytes)
    return false;
  const pa = a.parts ?? [];
  const pb = b.parts ?? [];
  return pa.length === pb.length && pa.every((p, i) => sameRef(p, pb[i]!));
}

/** Whether any registered ref was cut by a size limit (`closed_with_partial_payloads`). */
export function hasPartialPayloads(registry: ReadonlyMap<string, AnyPayloadRef>): boolean {
  for (const r of registry.values()) {
    const status = (r as RawPayloadRefV3).capture?.status;
    if (status === "truncated" || status === "omitted") return true;
  }
  return false;
}
