// Interop with Codex 0.169 (schema 2) and 0.171 (schema 3): their bundles reduce to exactly the
// state.json each one's own reducer wrote,
// and the `spool debug trace-reduce` verb behaves like `codex debug trace-reduce` (exit 2 on bad input).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { reduceBundle, stateJson } from "../src/rollout-trace/index.js";
import { scratchDir } from "./rollout-bundle-builder.js";

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, "fixtures", "rollout");
const CLI = join(import.meta.dirname, "..", "dist", "cli", "main.js");
const scratch = scratchDir("spool-rollout-interop-");
after(scratch.cleanup);

/** A copy of a fixture bundle without its golden state.json. */
function copyBundle(name: string): string {
  const dir = join(scratch.dir, `${name}-${Math.random().toString(36).slice(2)}`);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  rmSync(join(dir, "state.json"));
  rmSync(join(dir, "README.md"), { force: true });
  return dir;
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

for (const name of ["codex-0.169-basic", "codex-0.169-compact-local", "minimal", "codex-0.171-basic"]) {
  test(`${name}: Spool's state.json is byte-identical to the state.json of the Codex that wrote it`, async () => {
    const golden = readFileSync(join(FIXTURES, name, "state.json"), "utf8");
    const { state } = await reduceBundle(copyBundle(name));
    const ours = stateJson(state);
    assert.deepEqual(JSON.parse(ours), JSON.parse(golden));
    assert.equal(ours, golden);
  });
}

describe("spool debug trace-reduce", () => {
  test("writes <bundle>/state.json identical to Codex's and prints counts per status", async () => {
    const dir = copyBundle("codex-0.169-basic");
    const r = await cli("debug", "trace-reduce", dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      readFileSync(join(dir, "state.json"), "utf8"),
      readFileSync(join(FIXTURES, "codex-0.169-basic", "state.json"), "utf8"),
    );
    assert.match(r.stdout, /: completed, recording complete, \d+ events\n/);
    assert.match(r.stdout, /\n {2}1 thread, 1 turn: 1 completed, \d+ conversation items\n/);
    assert.match(r.stdout, /\n {2}2 inference calls: 2 completed\n/);
    assert.match(r.stdout, /\n {2}1 tool call: 1 completed\n/);
    assert.match(r.stdout, /\nWrote .*state\.json\n$/);
  });

  test("-o writes elsewhere, and two runs are byte-identical", async () => {
    const dir = copyBundle("codex-0.169-basic");
    const a = join(scratch.dir, "a.json");
    const b = join(scratch.dir, "b.json");
    assert.equal((await cli("debug", "trace-reduce", dir, "-o", a)).code, 0);
    assert.equal((await cli("debug", "trace-reduce", dir, "--output", b)).code, 0);
    assert.ok(!existsSync(join(dir, "state.json")));
    assert.deepEqual(readFileSync(a), readFileSync(b));
  });

  test("a bundle without manifest exits 2 with a clear error and writes nothing", async () => {
    const dir = copyBundle("minimal");
    rmSync(join(dir, "manifest.json"));
    const r = await cli("debug", "trace-reduce", dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^spool: missing trace manifest: no such file \(.*manifest\.json\)\n$/);
    assert.ok(!existsSync(join(dir, "state.json")));
  });

  test("a seq gap exits 2 naming the seq and the file", async () => {
    const dir = copyBundle("codex-0.169-basic");
    const lines = readFileSync(join(dir, "trace.jsonl"), "utf8").split("\n");
    lines.splice(4, 1);
    writeFileSync(join(dir, "trace.jsonl"), lines.join("\n"));
    const r = await cli("debug", "trace-reduce", dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^spool: missing or reordered trace event 5 \(.*trace\.jsonl, line 5, seq 6\)/);
    assert.ok(!existsSync(join(dir, "state.json")));
  });

  test("a missing payload exits 2 naming the payload and its file", async () => {
    const dir = copyBundle("codex-0.169-basic");
    rmSync(join(dir, "payloads", "6.json"));
    const r = await cli("debug", "trace-reduce", dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^spool: read payload raw_payload:6 \(.*payloads\/6\.json, line 11, seq 11\)/);
    assert.ok(!existsSync(join(dir, "state.json")));
  });

  test("an unknown event type exits 2", async () => {
    const dir = copyBundle("minimal");
    const text = readFileSync(join(dir, "trace.jsonl"), "utf8").replace(
      '"type":"rollout_ended"',
      '"type":"rollout_exploded"',
    );
    writeFileSync(join(dir, "trace.jsonl"), text);
    const r = await cli("debug", "trace-reduce", dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^spool: parse trace event line 2: unknown variant `rollout_exploded`/);
  });

  test("--json prints the summary as one JSON object naming the state file", async () => {
    const dir = copyBundle("codex-0.169-basic");
    const r = await cli("debug", "trace-reduce", dir, "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trimEnd().split("\n").length, 1);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(summary.status, "completed");
    assert.equal(summary.recording_complete, true);
    assert.deepEqual(summary.inference_calls, { total: 2, by_status: { completed: 2 }, attention: [] });
    assert.deepEqual(summary.tool_calls, { total: 1, by_status: { completed: 1 }, attention: [] });
    assert.equal(summary.state_file, join(dir, "state.json"));
  });

  test("-o onto a directory fails with exit 1 and leaves nothing behind", async () => {
    const dir = copyBundle("codex-0.169-basic");
    const target = join(scratch.dir, `out-dir-${Math.random().toString(36).slice(2)}`);
    mkdirSync(target);
    const r = await cli("debug", "trace-reduce", dir, "-o", target);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `spool: cannot write ${target}: it is a directory\n`);
    assert.deepEqual(readdirSync(target), []);
    assert.deepEqual(
      readdirSync(scratch.dir).filter((f) => f.endsWith(".tmp")),
      [],
    );
  });

  test("a Codex bundle cut mid-line reduces with recording_complete false and says why", async () => {
    const dir = copyBundle("codex-0.169-basic");
    const text = readFileSync(join(dir, "trace.jsonl"), "utf8");
    writeFileSync(join(dir, "trace.jsonl"), text.slice(0, text.length - 40));
    const r = await cli("debug", "trace-reduce", dir);
    assert.equal(r.code, 0, r.stderr);
    const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));
    assert.equal(state.recording_complete, false);
    assert.equal(state.status, "completed");
    assert.match(r.stdout, /recording incomplete/);
    assert.match(r.stdout, /\n {2}2 anomalies:\n {4}last line 26 of trace\.jsonl is incomplete/);
  });
});
