import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TraceReduceError, TraceRuleError } from "../errors.js";
import type { RawPayloadRef } from "../schema.js";
import { directoryPayloadSource, type PayloadSource, type PayloadSourceEnd } from "./payload-source.js";
import { reduceBundle, stateJson } from "./reduce-bundle.js";

const FIXTURE = join(import.meta.dirname, "../../../test/fixtures/rollout/codex-0.169-basic");
const scratch = mkdtempSync(join(tmpdir(), "spool-payload-source-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function copyFixture(): string {
  const dir = mkdtempSync(join(scratch, "bundle-"));
  cpSync(FIXTURE, dir, { recursive: true });
  unlinkSync(join(dir, "state.json"));
  return dir;
}

/** Wraps the directory source and records what the reducer asked of it. */
function recordingSource(bundle: string, overrides: Partial<PayloadSource> = {}) {
  const inner = directoryPayloadSource(bundle);
  const log: string[] = [];
  let ended: PayloadSourceEnd<RawPayloadRef> | undefined;
  let closed = 0;
  const source: PayloadSource = {
    load(ref, use) {
      log.push(`${use.eventType}:${ref.raw_payload_id}`);
      return overrides.load ? overrides.load(ref, use) : inner.load(ref, use);
    },
    finish(end) {
      ended = end;
      return overrides.finish?.(end);
    },
    close() {
      closed++;
    },
  };
  return { source, log, ended: () => ended, closed: () => closed };
}

describe("payload sources", () => {
  test("a plugged-in source serves every payload and reduces to Codex's state.json", async () => {
    const dir = copyFixture();
    const rec = recordingSource(dir);
    const r = await reduceBundle(dir, { payloadSource: () => rec.source });
    assert.equal(stateJson(r.state), readFileSync(join(FIXTURE, "state.json"), "utf8"));
    const refs = [...r.state.raw_payloads.keys()];
    // Each distinct ref is asked for once, in seq order.
    assert.deepEqual(
      rec.log.map((l) => l.split(":").slice(1).join(":")),
      refs.sort((a, b) => Number(a.split(":")[1]) - Number(b.split(":")[1])),
    );
    assert.equal(rec.log[0], "thread_started:raw_payload:1");
    assert.equal(rec.ended()?.recordingComplete, true);
    assert.equal(rec.ended()?.refs.size, refs.length);
    assert.equal(rec.closed(), 1);
  });

  test("the factory is told the manifest it serves", async () => {
    const dir = copyFixture();
    let seen: number | undefined;
    await reduceBundle(dir, {
      payloadSource: (bundle, manifest) => {
        seen = manifest.schema_version;
        return directoryPayloadSource(bundle);
      },
    });
    assert.equal(seen, 2);
  });

  test("an unavailable payload is left out of the event's evidence, and its bytes still count", async () => {
    const dir = copyFixture();
    const baseline = await reduceBundle(dir);
    const responseRef = [...baseline.state.inference_calls.values()][0]!.raw_response_payload_id!;
    const rec = recordingSource(dir, {
      load: (ref, use) =>
        ref.raw_payload_id === responseRef
          ? Promise.resolve({ available: false, bytes: 7 })
          : directoryPayloadSource(dir).load(ref, use),
    });
    const r = await reduceBundle(dir, { payloadSource: () => rec.source });
    const call = [...r.state.inference_calls.values()][0]!;
    assert.equal(call.usage, null);
    assert.notDeepEqual(call.usage, [...baseline.state.inference_calls.values()][0]!.usage);
    assert.ok(r.bytesRead < baseline.bytesRead);
  });

  test("a load failure is reported at its event's line and seq, and the source is still closed", async () => {
    const dir = copyFixture();
    const rec = recordingSource(dir);
    unlinkSync(join(dir, "payloads", "3.json"));
    await assert.rejects(reduceBundle(dir, { payloadSource: () => rec.source }), (err: unknown) => {
      assert.ok(err instanceof TraceReduceError);
      assert.equal(err.message, "read payload raw_payload:3");
      assert.equal(err.location.file, join(dir, "payloads/3.json"));
      assert.equal(typeof err.location.line, "number");
      assert.equal(typeof err.location.seq, "number");
      return true;
    });
    assert.equal(rec.closed(), 1);
    assert.equal(rec.ended(), undefined);
  });

  test("a failure raised by finish is a reduce error naming the trace", async () => {
    const dir = copyFixture();
    const rec = recordingSource(dir, {
      finish: () => {
        throw new TraceRuleError("missing footer in payload shard 1");
      },
    });
    await assert.rejects(reduceBundle(dir, { payloadSource: () => rec.source }), {
      name: "TraceReduceError",
      message: "missing footer in payload shard 1",
    });
    assert.equal(rec.closed(), 1);
  });

  test("an error on a line is reported before a payload failure of a later line read ahead", async () => {
    const dir = copyFixture();
    const trace = readFileSync(join(dir, "trace.jsonl"), "utf8").split("\n");
    // Line 3 gets a wrong rollout id; the payload of a later event is missing.
    const ev = JSON.parse(trace[2]!) as Record<string, unknown>;
    ev.rollout_id = "someone-else";
    trace[2] = JSON.stringify(ev);
    writeFileSync(join(dir, "trace.jsonl"), trace.join("\n"));
    unlinkSync(join(dir, "payloads", "4.json"));
    await assert.rejects(reduceBundle(dir), {
      message: "trace event belongs to another rollout",
    });
  });
});
