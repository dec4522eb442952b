import { randomBytes } from "node:crypto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { RecordSplitter, type ShardRecord } from "./shard-format.js";
import { ShardWriter } from "./shard-writer.js";
import { FrameDecoder } from "./zstd.js";

function decode(bytes: Buffer): { records: ShardRecord[]; sealed: boolean; pending: number } {
  const records: ShardRecord[] = [];
  const decoder = new FrameDecoder();
  const splitter = new RecordSplitter((r) => records.push(r), 1 << 30);
  decoder.push(bytes, (chunk) => splitter.push(chunk));
  return { records, sealed: !decoder.frameOpen, pending: splitter.pending };
}

function shardBytes(w: ShardWriter, shard = 1): Buffer {
  return Buffer.concat(
    w
      .drain()
      .filter((c) => c.shard === shard)
      .map((c) => c.data),
  );
}

const item = (id: string, text: string) => ({
  type: "message",
  id,
  role: "user",
  content: [{ type: "input_text", text }],
});

test("a shard is one zstd frame in Codex's layout; every record is decodable as soon as it is written", () => {
  const w = new ShardWriter();
  const out: Buffer[] = [];
  for (let i = 0; i < 5; i++) {
    w.write("protocol_event", { type: "warning", message: `m${i}`.repeat(50) });
    out.push(shardBytes(w));
    const sofar = decode(Buffer.concat(out));
    assert.equal(sofar.records.length, i + 1);
    assert.equal(sofar.pending, 0);
    assert.equal(sofar.sealed, false, "flushed, not finished");
  }
  w.seal();
  out.push(shardBytes(w));
  const all = Buffer.concat(out);
  // Magic, FHD 0x04 (checksum, no content size), window descriptor 0x68 (8 MiB).
  assert.equal(all.subarray(0, 6).toString("hex"), "28b52ffd0468");
  // Footer: an empty last raw block, then the 4-byte XXH64 checksum.
  assert.equal(all.subarray(-7, -4).toString("hex"), "010000");
  const done = decode(all);
  assert.equal(done.sealed, true);
  assert.deepEqual(
    done.records.map((r) => r.id),
    ["raw_payload:1", "raw_payload:2", "raw_payload:3", "raw_payload:4", "raw_payload:5"],
  );
  assert.deepEqual(JSON.parse(done.records[2]!.payload.toString()), {
    type: "warning",
    message: "m2".repeat(50),
  });
});

test("a shard cut at any byte decodes to exactly the complete records before the cut", () => {
  const w = new ShardWriter();
  for (let i = 0; i < 4; i++) w.write("tool_result", { type: "error", error: `e${i}`.repeat(300) });
  w.seal();
  const all = shardBytes(w);
  let last = -1;
  for (let cut = 0; cut <= all.length; cut++) {
    const d = decode(all.subarray(0, cut));
    assert.ok(d.records.length >= last, "never fewer records for a longer prefix");
    last = d.records.length;
    for (const r of d.records) assert.equal(JSON.parse(r.payload.toString()).type, "error");
  }
  assert.equal(last, 4);
});

test("records rotate into a new shard past 8 MiB of uncompressed record bytes; the old one is sealed", () => {
  const w = new ShardWriter();
  const big = "x".repeat(3 * 1024 * 1024);
  const refs = [0, 1, 2].map((i) => w.write("tool_result", { type: "error", error: big + i }));
  assert.deepEqual(
    refs.map((r) => r.shard),
    [1, 1, 2],
  );
  w.seal();
  const chunks = w.drain();
  const one = decode(Buffer.concat(chunks.filter((c) => c.shard === 1).map((c) => c.data)));
  const two = decode(Buffer.concat(chunks.filter((c) => c.shard === 2).map((c) => c.data)));
  assert.equal(one.sealed && two.sealed, true);
  assert.equal(one.records.length, 2);
  assert.equal(two.records.length, 1);
});

test("a prepared prompt is a template of model-item parts; identical items are stored once", () => {
  const w = new ShardWriter();
  const prompt = { input: [item("a", "one"), item("b", "two")], tools: [], parallel_tool_calls: false };
  const first = w.write("prepared_prompt", prompt);
  const second = w.write("prepared_prompt", { ...prompt, input: [...prompt.input, item("c", "three")] });
  assert.deepEqual(first, {
    raw_payload_id: "raw_payload:3",
    kind: { type: "prepared_prompt" },
    shard: 1,
    parts: [
      { raw_payload_id: "raw_payload:1", kind: { type: "model_item" }, shard: 1 },
      { raw_payload_id: "raw_payload:2", kind: { type: "model_item" }, shard: 1 },
    ],
  });
  assert.deepEqual(
    second.parts!.map((p) => p.raw_payload_id),
    ["raw_payload:1", "raw_payload:2", "raw_payload:4"],
  );
  w.seal();
  const records = new Map(decode(shardBytes(w)).records.map((r) => [r.id, r.payload.toString()]));
  const template = JSON.parse(records.get("raw_payload:3")!) as string[];
  const assembled =
    template[0]! + records.get("raw_payload:1") + template[1] + records.get("raw_payload:2") + template[2];
  assert.equal(assembled, JSON.stringify(prompt));
});

test("max_payload_bytes: big strings of a model item become content values; other payloads are truncated", () => {
  const w = new ShardWriter({ maxPayloadBytes: 100 });
  const text = "é".repeat(120); // 240 bytes of UTF-8
  const request = { model: "m", input: [item("a", text), item("b", "short")] };
  const ref = w.write("inference_request", request);
  assert.equal(ref.parts!.length, 2);
  const [big, small] = ref.parts!;
  assert.equal(big!.parts![0]!.kind.type, "content_value");
  assert.deepEqual(big!.parts![0]!.capture, {
    status: "truncated",
    original_bytes: Buffer.byteLength(JSON.stringify(text)),
    retained_bytes: 99, // cut back to a UTF-8 boundary: '"' + 49 × 'é'
  });
  assert.equal(small!.parts, undefined);
  const cut = w.write("tool_result", { type: "error", error: "z".repeat(500) });
  assert.equal(cut.capture?.status, "truncated");
  assert.equal(cut.parts, undefined);
});

test("max_bytes: once the budget is spent payloads are omitted (no record, shard null), events are not", () => {
  const w = new ShardWriter({ maxBytes: 2_000 });
  w.account(1_500);
  const fits = w.write("tool_result", { type: "error", error: "small" });
  assert.equal(fits.shard, 1);
  const omitted = w.write("tool_result", { type: "error", error: randomBytes(2_000).toString("hex") });
  assert.deepEqual(omitted.capture?.status, "omitted");
  assert.equal(omitted.shard, null);
  w.seal();
  assert.deepEqual(
    decode(shardBytes(w)).records.map((r) => r.id),
    [fits.raw_payload_id],
  );
});
