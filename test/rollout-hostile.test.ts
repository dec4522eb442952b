import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { reduceBundle } from "../src/rollout-trace/index.js";
import { BundleBuilder, scratchDir, userMessage } from "./rollout-bundle-builder.js";
import { MAIN } from "./support/spawned-servers.js";

const scratch = scratchDir("spool-rollout-hostile-");
after(scratch.cleanup);
const V3_FIXTURE = join(import.meta.dirname, "fixtures", "rollout", "codex-0.171-basic");
const SECRET = "secret text from outside the bundle";
const deep = (n: number): string => "[".repeat(n) + "]".repeat(n);

/** Root thread, one turn, one inference whose request is payload 2 (`payloads/2.json`). */
function bundleWithRequest(): BundleBuilder {
  const b = new BundleBuilder(scratch.dir);
  b.event({
    type: "rollout_started",
    trace_id: "00000000-0000-4000-8000-0000000000cc",
    root_thread_id: b.dir,
  });
  b.rootThread();
  b.turnStarted();
  b.inferenceStarted("inf-1", { model: "gpt-test", input: [userMessage("msg_user", "hi")] });
  return b;
}

/** `spool debug trace-reduce`: exit 2 with one `spool:` line and no stack trace, state.json unwritten. */
function reduceFails(dir: string, ...flags: string[]): string {
  const r = spawnSync(process.execPath, [MAIN, "debug", "trace-reduce", dir, ...flags], { encoding: "utf8" });
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^spool: [^\n]+\n$/, "one line, no stack trace");
  assert.equal(existsSync(join(dir, "state.json")), false);
  return r.stderr;
}

test("a payload symlinked out of the bundle is refused by name and its target never read", () => {
  const b = bundleWithRequest();
  const dir = b.write();
  const outside = join(scratch.dir, "outside.json");
  writeFileSync(outside, JSON.stringify({ model: SECRET, input: [] }));
  rmSync(join(dir, "payloads", "2.json"));
  symlinkSync(outside, join(dir, "payloads", "2.json"));
  const err = reduceFails(dir);
  assert.ok(err.includes(`payload file ${join(dir, "payloads", "2.json")} is a symlink`), err);
  assert.ok(!err.includes(SECRET));
});

test("a symlink anywhere under the bundle, even one no event names, is refused", () => {
  const dir = bundleWithRequest().write();
  symlinkSync(scratch.dir, join(dir, "notes"));
  assert.ok(reduceFails(dir).includes(`bundle file ${join(dir, "notes")} is a symlink`));
  const v3 = join(scratch.dir, "v3-linked-dir");
  cpSync(V3_FIXTURE, join(scratch.dir, "v3-real"), { recursive: true });
  cpSync(V3_FIXTURE, v3, { recursive: true });
  rmSync(join(v3, "payloads"), { recursive: true });
  rmSync(join(v3, "state.json"));
  symlinkSync(join(scratch.dir, "v3-real", "payloads"), join(v3, "payloads"));
  assert.ok(reduceFails(v3).includes(`payload directory ${join(v3, "payloads")} is a symlink`));
});

test("an unterminated line past the 16 MiB default is refused at once, naming file and line", () => {
  const b = bundleWithRequest();
  b.rawLine(`{"pad":"${"x".repeat(20 * 1024 * 1024)}`);
  const dir = b.write({ cutLast: true });
  const err = reduceFails(dir);
  assert.ok(
    err.includes(
      `trace event line 5 is longer than the 16777216-byte limit (${join(dir, "trace.jsonl")}, line 5)`,
    ),
    err,
  );
});

test("100,000-deep nesting in a payload or an event line is refused naming file and line", () => {
  const b = bundleWithRequest();
  const dir = b.write();
  writeFileSync(join(dir, "payloads", "2.json"), `{"model":"gpt-test","input":${deep(100_000)}}`);
  assert.match(
    reduceFails(dir),
    /payload raw_payload:2 nests deeper than 1000 levels \(.*payloads\/2\.json, line 4, seq 4\)/,
  );

  const c = bundleWithRequest();
  c.rawLine(`{"x":${deep(100_000)}}`);
  assert.match(
    reduceFails(c.write()),
    /trace event line 5 nests deeper than 1000 levels \(.*trace\.jsonl, line 5\)/,
  );
});

test("line, payload and depth limits are settable, for schema 2 and schema 3 bundles", () => {
  const dir = bundleWithRequest().write();
  assert.match(
    reduceFails(dir, "--max-payload-bytes", "40"),
    /payload raw_payload:\d is \d+ bytes, over the 40-byte limit \(.*payloads\/\d\.json, line \d, seq \d\)/,
  );
  assert.match(
    reduceFails(dir, "--max-line-bytes", "100"),
    /trace event line 1 is longer than the 100-byte limit/,
  );

  const v3 = join(scratch.dir, "v3-limits");
  cpSync(V3_FIXTURE, v3, { recursive: true });
  rmSync(join(v3, "state.json"));
  assert.match(reduceFails(v3, "--max-json-depth", "3"), /nests deeper than 3 levels \(.*, line \d+/);
  assert.match(
    reduceFails(v3, "--max-payload-bytes", "64"),
    /more than the 64-byte limit \(.*000001\.zst, line \d+/,
  );
  assert.match(
    reduceFails(v3, "--max-line-bytes", "64"),
    /trace event line 1 is longer than the 64-byte limit/,
  );
});

test("tool-call arguments nested past the bound are kept as text, not walked", async () => {
  const b = new BundleBuilder(scratch.dir);
  b.rootThread();
  b.turnStarted();
  const args = `{"a":${deep(100_000)}}`;
  b.inferenceStarted("inf-1", {
    model: "gpt-test",
    input: [
      userMessage("msg_user", "hi"),
      { type: "function_call", id: "fc_1", call_id: "call_1", name: "f", arguments: args },
    ],
  });
  const { state } = await reduceBundle(b.write());
  const parts = [...state.conversation_items.values()].flatMap((item) => item.body.parts);
  assert.ok(
    parts.some((p) => p.type === "text" && p.text === args),
    "the deep arguments stay one text part",
  );
  assert.equal(readFileSync(join(b.dir, "trace.jsonl"), "utf8").split("\n").length, 4);
});
