// Schema 3 (Codex 0.171): Spool-written bundles read back through the reducer, hostile and cut
// shards, size limits, and — where the real Codex releases are installed — their own reducers.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  TraceReduceError,
  convertBundle,
  reduceBundle,
  startRolloutRecorder,
  stateJson,
  type RolloutRecorder,
} from "../src/rollout-trace/index.js";
import { scratchDir } from "./rollout-bundle-builder.js";
import { configureLogging, type LogRecord } from "../src/telemetry/index.js";
import { installedCodex } from "./support/codex-reducer.js";

const scratch = scratchDir("spool-rollout-v3-");
after(scratch.cleanup);
const FIXTURES = join(import.meta.dirname, "fixtures", "rollout");

// The writer's warnings are asserted, not printed.
const warnings: LogRecord[] = [];
configureLogging({ filter: "spool_rollout_trace=warn,off", sink: (r) => void warnings.push(r) });
const THREAD = "01a20752-69f1-7a33-b0d4-ef04dacd8dba";
let n = 0;

function recorder(
  limits: { schema?: 2 | 3; maxPayloadBytes?: number; maxBytes?: number } = {},
): RolloutRecorder {
  return startRolloutRecorder({
    root: join(scratch.dir, `root-${++n}`),
    rootThreadId: THREAD,
    durability: "flush",
    signalHooks: false,
    schema: limits.schema ?? 3,
    maxPayloadBytes: limits.maxPayloadBytes,
    maxBytes: limits.maxBytes,
  });
}

const msg = (id: string, role: string, text: string) => ({
  type: "message",
  id,
  role,
  content: [{ type: role === "assistant" ? "output_text" : "input_text", text }],
});

/** A Codex-shaped turn: request → function call → exec → tool output accepted → request → answer. */
async function toolTurn(rec: RolloutRecorder): Promise<string> {
  const thread = rec.startThread({
    threadId: THREAD,
    agentPath: "/root",
    metadata: {
      thread_id: THREAD,
      agent_path: "/root",
      task_name: null,
      nickname: null,
      agent_role: null,
      session_source: "cli",
      cwd: "/w",
      rollout_path: null,
      model: "gpt-test",
      provider_name: "test",
      approval_policy: "never",
      sandbox_policy: "DangerFullAccess",
    },
  });
  rec.protocolEvent("session_configured", { type: "session_configured", model: "gpt-test" });
  const turn = thread.startTurn("turn-1");
  const dev = msg("msg_dev", "developer", "You are a coding agent. ".repeat(200));
  const user = msg("msg_user", "user", "run echo hi");
  turn.historyItemAccepted("msg_user");
  const inf = turn.startInference({
    model: "gpt-test",
    providerName: "test",
    request: () => ({ model: "gpt-test", instructions: "base", input: [dev, user], tools: [] }),
  });
  const fc = {
    type: "function_call",
    id: "fc_1",
    name: "exec_command",
    arguments: '{"cmd":"echo hi"}',
    call_id: "call_1",
  };
  inf.completed({
    responseId: "resp-1",
    upstreamRequestId: "req-1",
    tokenUsage: null,
    outputItems: [fc],
  });
  turn.historyItemAccepted("fc_1");
  const tool = turn.startToolCall({
    toolCallId: "call_1",
    modelVisibleCallId: "call_1",
    toolName: "exec_command",
    invocation: { type: "function", arguments: '{"cmd":"echo hi"}' },
  });
  tool.terminalStarted({ processId: "42", command: ["/bin/bash", "-lc", "echo hi"], cwd: "/w" });
  tool.terminalEnded({
    processId: "42",
    exitCode: 0,
    aggregatedOutput: "hi\n",
    durationMs: 3,
    status: "completed",
  });
  const fco = { type: "function_call_output", id: "fco_1", call_id: "call_1", output: "hi\n" };
  tool.ended("completed", { type: "direct_response", response_item: fco });
  turn.historyItemAccepted("fco_1", fco);
  const inf2 = turn.startInference({
    model: "gpt-test",
    providerName: "test",
    request: { model: "gpt-test", input: [dev, user, fc, fco] },
  });
  inf2.completed({
    responseId: "resp-2",
    upstreamRequestId: "req-2",
    tokenUsage: null,
    outputItems: [msg("msg_answer", "assistant", "It printed hi.")],
  });
  turn.historyItemAccepted("msg_answer");
  turn.ended("completed");
  thread.ended("completed");
  await rec.end("completed");
  return rec.bundleDir!;
}

function copy(dir: string): string {
  const out = join(scratch.dir, `copy-${++n}`);
  cpSync(dir, out, { recursive: true });
  rmSync(join(out, "state.json"), { force: true });
  rmSync(join(out, "README.md"), { force: true });
  return out;
}

async function reduceError(dir: string): Promise<TraceReduceError> {
  try {
    await reduceBundle(dir);
  } catch (err) {
    if (err instanceof TraceReduceError) return err;
    throw err;
  }
  assert.fail("expected the bundle to be rejected");
}

function withoutLastLine(dir: string): void {
  const text = readFileSync(join(dir, "trace.jsonl"), "utf8");
  writeFileSync(join(dir, "trace.jsonl"), text.slice(0, text.lastIndexOf("\n", text.length - 2) + 1));
}

const SHARD = (dir: string) => join(dir, "payloads", "000001.zst");

describe("schema 3 writer", () => {
  test("a recorded session is a schema-3 bundle: one sealed shard, v3 refs, prepared prompts, tool output", async () => {
    const bundle = await toolTurn(recorder());
    assert.match(readFileSync(join(bundle, "manifest.json"), "utf8"), /^\{\n {2}"schema_version": 3,/);
    assert.deepEqual(readdirSync(join(bundle, "payloads")), ["000001.zst"]);
    assert.equal(readFileSync(SHARD(bundle)).subarray(0, 6).toString("hex"), "28b52ffd0468");
    const lines = readFileSync(join(bundle, "trace.jsonl"), "utf8").trim().split("\n");
    const events = lines.map(
      (l) => JSON.parse(l) as { schema_version: number; payload: Record<string, unknown> },
    );
    assert.ok(events.every((e) => e.schema_version === 3));
    const started = events.find((e) => e.payload.type === "inference_started")!.payload;
    assert.deepEqual(Object.keys(started.request_payload as object), ["raw_payload_id", "kind", "shard"]);
    const prepared = started.prepared_prompt_payload as { kind: unknown; parts: unknown[] };
    assert.deepEqual(prepared.kind, { type: "prepared_prompt" });
    assert.equal(prepared.parts.length, 2);
    const accepted = events.find((e) => e.payload.item_id === "fco_1")!.payload;
    assert.deepEqual((accepted.tool_output_payload as { kind: unknown }).kind, { type: "protocol_event" });
    assert.ok(
      events
        .filter((e) => e.payload.item_id === "msg_user")
        .every((e) => !("tool_output_payload" in e.payload)),
    );

    const r = await reduceBundle(bundle);
    assert.equal(r.state.schema_version, 3);
    assert.equal(r.state.recording_status, "complete");
    const calls = [...r.state.inference_calls.values()];
    assert.ok(calls.every((c) => typeof c.prepared_prompt_payload_id === "string"));
    const fco = [...r.state.conversation_items.values()].find((i) => i.responses_item_id === "fco_1")!;
    assert.equal(fco.first_seen_at_unix_ms, fco.accepted_at_unix_ms, "created at its acceptance");
    assert.ok(
      calls.some((c) => c.request_item_ids.includes(fco.item_id)),
      "and reused by the next request",
    );
    // Nested parts are raw_payloads entries of their own.
    assert.equal(
      r.state.raw_payloads.get((prepared.parts[0] as { raw_payload_id: string }).raw_payload_id)?.kind.type,
      "model_item",
    );
  });

  test("the same session in schema 2 and 3 reduces to the same graph apart from the schema fields", async () => {
    const two = await reduceBundle(await toolTurn(recorder({ schema: 2 })));
    const three = await reduceBundle(await toolTurn(recorder({ schema: 3 })));
    assert.equal(two.state.conversation_items.size + 0, three.state.conversation_items.size);
    const kinds = (s: typeof two.state) =>
      [...s.conversation_items.values()].map((i) => [i.kind, i.responses_item_id]);
    assert.deepEqual(kinds(two.state), kinds(three.state));
    assert.equal(two.state.tool_calls.get("call_1")!.terminal_operation_id, "terminal_operation:1");
    assert.deepEqual(three.state.terminal_operations.get("terminal_operation:1")!.result?.stdout, "hi\n");
  });

  test("small limits: payloads are fragmented, truncated and omitted, and the recording says so", async () => {
    const capped = await reduceBundle(await toolTurn(recorder({ maxPayloadBytes: 300 })));
    assert.equal(capped.state.recording_status, "closed_with_partial_payloads");
    const dev = [...capped.state.conversation_items.values()].find((i) => i.responses_item_id === "msg_dev")!;
    const part = dev.body.parts[0]!;
    assert.equal(part.type, "payload_ref");
    assert.equal((part as { label: string }).label, "text");
    const cut = capped.state.raw_payloads.get((part as { raw_payload_id: string }).raw_payload_id) as {
      kind: { type: string };
      capture: { status: string; retained_bytes: number };
    };
    assert.equal(cut.kind.type, "content_value");
    assert.equal(cut.capture.status, "truncated");
    assert.ok(cut.capture.retained_bytes <= 300);

    const budget = await reduceBundle(await toolTurn(recorder({ maxBytes: 2_600 })));
    assert.equal(budget.state.recording_status, "closed_with_partial_payloads");
    const omitted = [...budget.state.raw_payloads.values()].filter(
      (r) => (r as { capture?: { status: string } }).capture?.status === "omitted",
    );
    assert.ok(omitted.length > 0);
    assert.ok(omitted.every((r) => (r as { shard: unknown }).shard === null));
    assert.equal(budget.events, capped.events, "events are never dropped");
  });

  test("max_bytes smaller than the manifest stops recording with one warning and writes no events", async () => {
    const before = warnings.length;
    const rec = recorder({ maxBytes: 100 });
    const bundle = await toolTurn(rec);
    assert.equal(existsSync(join(bundle, "manifest.json")), false);
    assert.equal(existsSync(join(bundle, "trace.jsonl")), false);
    const mine = warnings.slice(before);
    assert.equal(mine.length, 1);
    assert.match(mine[0]!.message, /^failed to start rollout trace: manifest exceeds trace byte limit; /);
  });
});

describe("schema 3 reader", () => {
  test("a crash before the footer: the last shard of an unclosed recording reduces, a complete one does not", async () => {
    const base = await toolTurn(recorder());
    const unclosed = copy(base);
    withoutLastLine(unclosed);
    truncateSync(SHARD(unclosed), readFileSync(SHARD(unclosed)).length - 4); // checksum gone
    assert.equal((await reduceBundle(unclosed)).state.recording_status, "unclosed");

    const closed = copy(base);
    truncateSync(SHARD(closed), readFileSync(SHARD(closed)).length - 1);
    const err = await reduceError(closed);
    assert.equal(err.message, "missing footer in payload shard 1");
    assert.match(err.location.file, /payloads\/000001\.zst$/);
  });

  test("a shard cut mid-record: needed payloads past the cut are named with their shard", async () => {
    const dir = copy(join(FIXTURES, "codex-0.171-basic"));
    withoutLastLine(dir);
    truncateSync(SHARD(dir), 9_000);
    const err = await reduceError(dir);
    assert.match(err.message, /^missing payload raw_payload:\d+ in shard 1$/);
    assert.ok(err.location.line !== undefined && err.location.seq !== undefined);
  });

  test("a corrupt frame is an error naming the shard file and the compressed offset", async () => {
    const dir = copy(join(FIXTURES, "codex-0.171-basic"));
    const bytes = readFileSync(SHARD(dir));
    bytes.fill(0xff, 2_000, 2_100);
    writeFileSync(SHARD(dir), bytes);
    const err = await reduceError(dir);
    // Either libzstd notices (compressed offset) or the garbage it decodes frames no record (offset in the data).
    assert.match(err.message, /payloads\/000001\.zst: .*(at compressed byte|decompressed offset) \d+/);
  });

  test("an uncompressed shard, a symlinked shard and a missing shard are clear errors", async () => {
    const raw = copy(join(FIXTURES, "codex-0.171-basic"));
    writeFileSync(SHARD(raw), '{"not":"zstd"}');
    assert.match((await reduceError(raw)).message, /^decompress shard /);

    const linked = copy(join(FIXTURES, "codex-0.171-basic"));
    const outside = join(scratch.dir, `outside-${++n}.zst`);
    cpSync(SHARD(linked), outside);
    rmSync(SHARD(linked));
    symlinkSync(outside, SHARD(linked));
    assert.match((await reduceError(linked)).message, /^payload shard .*000001\.zst is a symlink$/);

    const missing = copy(join(FIXTURES, "codex-0.171-basic"));
    rmSync(SHARD(missing));
    assert.match((await reduceError(missing)).message, /^open shard .*payloads\/000001\.zst$/);
  });

  test("Codex 0.171's ref rules: conflicting refs, an omitted ref with a shard, prepared prompt required", async () => {
    const edit = (replace: (text: string) => string): string => {
      const dir = copy(join(FIXTURES, "codex-0.171-basic"));
      writeFileSync(join(dir, "trace.jsonl"), replace(readFileSync(join(dir, "trace.jsonl"), "utf8")));
      return dir;
    };
    const ref6 = '{"raw_payload_id":"raw_payload:6","kind":{"type":"model_item"},"shard":1}';
    const conflicting = edit((t) => {
      const at = t.lastIndexOf(ref6);
      return t.slice(0, at) + ref6.replace('"shard":1', '"shard":2') + t.slice(at + ref6.length);
    });
    assert.equal(
      (await reduceError(conflicting)).message,
      "conflicting references for payload raw_payload:6",
    );

    const omitted = edit((t) =>
      t.replace(
        '{"raw_payload_id":"raw_payload:22","kind":{"type":"protocol_event"},"shard":1}',
        '{"raw_payload_id":"raw_payload:22","kind":{"type":"protocol_event"},"shard":1,"capture":{"status":"omitted","original_bytes":28}}',
      ),
    );
    assert.equal((await reduceError(omitted)).message, "omitted payload has a shard");

    const noPrompt = edit((t) => t.replace(/,"prepared_prompt_payload":\{.*?\]\}\}\}/, "}}"));
    assert.match((await reduceError(noPrompt)).message, /missing field `prepared_prompt_payload`/);

    const mislabeled = edit((t) =>
      t.replace(
        '"raw_payload:5","kind":{"type":"inference_request"}',
        '"raw_payload:5","kind":{"type":"tool_result"}',
      ),
    );
    assert.match((await reduceError(mislabeled)).message, /^inference .* has mislabeled request evidence$/);
  });

  test("a schema-2 manifest over schema-3 events is rejected with Codex's message", async () => {
    const dir = copy(join(FIXTURES, "codex-0.171-basic"));
    writeFileSync(
      join(dir, "manifest.json"),
      readFileSync(join(dir, "manifest.json"), "utf8").replace('"schema_version": 3', '"schema_version": 2'),
    );
    assert.match((await reduceError(dir)).message, /^unsupported trace event schema 3 at line 1/);
  });
});

// The real Codex releases, where this machine has them (the test says so when it has not).
describe("the real Codex reducers accept Spool's bundles of their schema", () => {
  for (const [schema, version] of [
    [2, "0.169"],
    [3, "0.171"],
  ] as const) {
    for (const limits of schema === 3 ? [{}, { maxPayloadBytes: 300 }, { maxBytes: 2_600 }] : [{}]) {
      test(`Codex ${version} reduces a Spool schema-${schema} bundle ${JSON.stringify(limits)} to Spool's state.json`, async (t) => {
        const bin = installedCodex(version);
        if (!bin) return t.skip(`no Codex ${version} on this machine`);
        const bundle = await toolTurn(recorder({ schema, ...limits }));
        const out = join(scratch.dir, `codex-${++n}.json`);
        execFileSync(bin, ["debug", "trace-reduce", bundle, "-o", out], { stdio: "pipe" });
        assert.equal(stateJson((await reduceBundle(bundle)).state), readFileSync(out, "utf8"));
      });
    }
  }
});

describe("trace-convert", () => {
  test("2 → 3 → 2: the Codex 0.169 example reduces byte-identically to its golden state.json after the round trip", async () => {
    const three = join(scratch.dir, `conv3-${++n}`);
    const two = join(scratch.dir, `conv2-${++n}`);
    const src = copy(join(FIXTURES, "codex-0.169-basic"));
    await convertBundle(src, three, 3);
    const mid = await reduceBundle(three);
    assert.equal(mid.state.schema_version, 3);
    assert.equal(mid.state.recording_status, "complete");
    assert.deepEqual(
      [...mid.state.inference_calls.keys()],
      [...(await reduceBundle(src)).state.inference_calls.keys()],
    );
    await convertBundle(three, two, 2);
    assert.equal(
      stateJson((await reduceBundle(two)).state),
      readFileSync(join(FIXTURES, "codex-0.169-basic", "state.json"), "utf8"),
    );
  });

  test("3 → 2 refuses a bundle with truncated payloads, naming the payload", async () => {
    const src = await toolTurn(recorder({ maxPayloadBytes: 300 }));
    await assert.rejects(
      convertBundle(src, join(scratch.dir, `conv-${++n}`), 2),
      (e: unknown) =>
        e instanceof TraceReduceError &&
        /^payload raw_payload:\d+ was truncated by a size limit; schema 2 cannot represent it$/.test(
          e.message,
        ),
    );
  });

  test("spool debug trace-convert writes a bundle the target schema's reducer reads; bad --to exits 2", async () => {
    const CLI = join(import.meta.dirname, "..", "dist", "cli", "main.js");
    const out = join(scratch.dir, `cli-${++n}`);
    const stdout = execFileSync(
      process.execPath,
      [CLI, "debug", "trace-convert", "--to", "2", join(FIXTURES, "codex-0.171-basic"), out],
      { encoding: "utf8" },
    );
    assert.match(stdout, /^Converted schema 3 → 2: 26 events/);
    assert.equal((await reduceBundle(out)).state.recording_complete, true);
    assert.throws(
      () =>
        execFileSync(
          process.execPath,
          [CLI, "debug", "trace-convert", "--to", "4", out, join(scratch.dir, "x")],
          { stdio: "pipe" },
        ),
      (e: { status: number; stderr: Buffer }) =>
        e.status === 2 &&
        /^spool: option '--to <schema>' argument '4' is invalid\. expected 2 \(Codex 0\.169\) or 3/.test(
          e.stderr.toString(),
        ),
    );
  });
});
