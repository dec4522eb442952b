import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { join, relative, resolve, sep } from "node:path";
import { TraceReduceError, TraceRuleError } from "./errors.js";
import { prettyJson } from "./json-text.js";
import { preparedPromptOf } from "./prepared-prompt.js";
import { assemblePayload } from "./reducer/payloads-v3.js";
import {
  ManifestSchema,
  type RawPayloadKindName,
  type RawPayloadKindNameV3,
  type RawPayloadRefV3,
  type TraceSchemaVersion,
} from "./schema.js";
import { shardFileName } from "./shard-format.js";
import { ShardStore } from "./shard-reader.js";
import { ShardWriter } from "./shard-writer.js";

/** Event fields that hold one payload ref (schemas 2 and 3). */
const REF_FIELDS = [
  "metadata_payload",
  "agent_message_payload",
  "tool_output_payload",
  "request_payload",
  "prepared_prompt_payload",
  "warmup_context_payload",
  "response_payload",
  "partial_response_payload",
  "invocation_payload",
  "runtime_payload",
  "result_payload",
  "checkpoint_payload",
  "carried_payload",
  "event_payload",
] as const;
/** Schema-3 fields with no schema-2 counterpart; Codex 0.169 never wrote them and reduces without them. */
const V3_ONLY_FIELDS = [
  "prepared_prompt_payload",
  "warmup_context_payload",
  "stripped_tool_output_ids",
  "tool_output_payload",
];

/** What {@link convertBundle} did. */
export interface ConvertResult {
  from: TraceSchemaVersion;
  to: TraceSchemaVersion;
  events: number;
  payloads: number;
}

type RawEvent = { schema_version: number; payload: Record<string, unknown> } & Record<string, unknown>;

/**
 * Rewrites a bundle into the other schema, so it can be handed to the Codex release that reads
 * that schema: 2 → 3 turns payload files into shard records (with the prepared prompt 0.171
 * requires, derived from the request), 3 → 2 assembles fragments into one JSON file per payload.
 * Events keep their seq, times and ids; top-level payload ids are kept. A payload a size limit
 * truncated or omitted cannot be represented in schema 2, so such a bundle is refused, as are
 * schema-3-only events. `out` must not exist or be empty.
 *
 * @example
 * await convertBundle("trace-…", "/tmp/for-codex-0.171", 3);
 */
export async function convertBundle(
  bundle: string,
  out: string,
  to: TraceSchemaVersion,
): Promise<ConvertResult> {
  const manifestFile = join(bundle, "manifest.json");
  let manifest;
  try {
    manifest = ManifestSchema.parse(JSON.parse(readFileSync(manifestFile, "utf8")));
  } catch (cause) {
    throw new TraceReduceError(
      `read trace manifest: ${(cause as Error).message}`,
      { file: manifestFile },
      { cause },
    );
  }
  const from = manifest.schema_version;
  if (from !== 2 && from !== 3) {
    throw new TraceReduceError(`unsupported manifest schema ${from}`, { file: manifestFile });
  }
  if (from === to) throw new TraceReduceError(`the bundle is already schema ${to}`, { file: manifestFile });
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new TraceReduceError(`${out} exists and is not empty`, { file: out });
  }
  mkdirSync(join(out, "payloads"), { recursive: true });
  writeFileSync(join(out, "manifest.json"), prettyJson({ ...manifest, schema_version: to }));

  const traceFile = join(bundle, "trace.jsonl");
  const shards = to === 3 ? new ShardWriter({ idPrefix: "raw_payload:part-" }) : null;
  const store = from === 3 ? new ShardStore(bundle) : null;
  const written = new Map<string, unknown>();
  let fileN = 0;
  let events = 0;
  let line = 0;

  const readV2 = (ref: { raw_payload_id: string; path?: unknown }): unknown => {
    const path = typeof ref.path === "string" ? ref.path : "";
    const file = resolve(bundle, path);
    const rel = relative(resolve(bundle), file);
    if (path === "" || rel.startsWith("..") || rel.startsWith(sep)) {
      throw new TraceRuleError(`payload ${ref.raw_payload_id} path ${path} leaves the bundle`);
    }
    try {
      return JSON.parse(readFileSync(file, "utf8"));
    } catch {
      throw new TraceRuleError(`read payload ${ref.raw_payload_id}`, path);
    }
  };

  const readV3 = (ref: RawPayloadRefV3): unknown => {
    // A cut fragment would turn into a placeholder inside a complete-looking schema-2 payload.
    const pending = [ref];
    for (let r = pending.pop(); r; r = pending.pop()) {
      if (r.capture?.status === "truncated" || r.capture?.status === "omitted") {
        throw new TraceRuleError(
          `payload ${r.raw_payload_id} was ${r.capture.status} by a size limit; schema 2 cannot represent it`,
        );
      }
      pending.push(...(r.parts ?? []));
    }
    const text = assemblePayload(store!, ref)!;
    try {
      return JSON.parse(text);
    } catch {
      throw new TraceRuleError(`parse payload ${ref.raw_payload_id}`);
    }
  };

  /** The converted ref (payloads are written before the line that holds them). */
  const convertRef = (ref: Record<string, unknown>): unknown => {
    const id = String(ref.raw_payload_id);
    const kind = (ref.kind as { type: string }).type;
    const known = written.get(id);
    if (known) return known;
    let next: unknown;
    if (shards) {
      next = shards.write(kind as RawPayloadKindNameV3, readV2({ raw_payload_id: id, path: ref.path }), id);
      for (const c of shards.drain()) appendFileSync(join(out, "payloads", shardFileName(c.shard)), c.data);
    } else {
      const path = `payloads/${++fileN}.json`;
      writeFileSync(join(out, path), prettyJson(readV3(ref as unknown as RawPayloadRefV3)));
      next = { raw_payload_id: id, kind: { type: kind as RawPayloadKindName }, path };
    }
    written.set(id, next);
    return next;
  };

  const convertEvent = (ev: RawEvent): RawEvent => {
    const p = ev.payload;
    if (to === 2 && p.type === "code_cell_wait_target_resolved") {
      throw new TraceRuleError("code_cell_wait_target_resolved has no schema-2 form");
    }
    const payload: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(p)) {
      if (to === 2 && V3_ONLY_FIELDS.includes(key)) continue;
      if ((REF_FIELDS as readonly string[]).includes(key) && value !== null && typeof value === "object") {
        payload[key] = convertRef(value as Record<string, unknown>);
      } else if (key === "payloads" && Array.isArray(value)) {
        payload[key] = value.map((r) => convertRef(r as Record<string, unknown>));
      } else payload[key] = value;
    }
    if (to === 3 && p.type === "inference_started" && payload.prepared_prompt_payload === undefined) {
      // Codex 0.171 requires it; Codex 0.169 bundles have none, so it is derived from the request.
      const request = readV2(p.request_payload as { raw_payload_id: string; path?: unknown });
      const id = `${String((p.request_payload as { raw_payload_id: string }).raw_payload_id)}:prepared`;
      payload.prepared_prompt_payload = shards!.write("prepared_prompt", preparedPromptOf(request), id);
      for (const c of shards!.drain()) appendFileSync(join(out, "payloads", shardFileName(c.shard)), c.data);
    }
    return { ...ev, schema_version: to, payload };
  };

  const lines = createInterface({ input: createReadStream(traceFile), crlfDelay: Infinity });
  let text = "";
  let cut: number | null = null;
  try {
    for await (const l of lines) {
      line++;
      if (l.trim() === "") continue;
      if (cut !== null)
        throw new TraceReduceError(`parse trace event line ${cut}`, { file: traceFile, line: cut });
      let ev: RawEvent;
      try {
        ev = JSON.parse(l) as RawEvent;
      } catch {
        // Only the last line may be cut (a recorder that stopped mid-write); the reducer ignores it too.
        cut = line;
        continue;
      }
      if (ev.payload?.type === "recording_completed") shards?.seal();
      text += JSON.stringify(convertEvent(ev)) + "\n";
      events++;
      if (text.length > 1 << 20) {
        appendFileSync(join(out, "trace.jsonl"), text);
        text = "";
      }
    }
  } catch (err) {
    if (err instanceof TraceReduceError) throw err;
    if (err instanceof TraceRuleError) {
      throw new TraceReduceError(err.message, { file: err.file ? join(bundle, err.file) : traceFile, line });
    }
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new TraceReduceError(`open trace event log ${traceFile}`, { file: traceFile });
    }
    throw err;
  }
  shards?.seal();
  for (const c of shards?.drain() ?? [])
    appendFileSync(join(out, "payloads", shardFileName(c.shard)), c.data);
  appendFileSync(join(out, "trace.jsonl"), text);
  return { from, to, events, payloads: written.size };
}
