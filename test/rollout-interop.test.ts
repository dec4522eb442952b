// Interop with Codex 0.169 (schema 2) and 0.171 (schema 3): their bundles reduce to exactly the
// state.json each one's own reducer wrote,
// and the `spool debug trace-reduce` verb behaves like `codex debug trace-reduce` (exit 2 on bad input).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
  test("writes <bundle>/state.json identical to Codex's and prints a summary with both ids", async () => {
    const dir = copyBundle("codex-0.169-basic");
    const r = await cli("debug", "trace-reduce", dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      readFileSync(join(dir, "state.json"), "utf8"),
      readFileSync(join(FIXTURES, "codex-0.169-basic", "state.json"), "utf8"),
    );
    assert.match(r.stdout, /status completed, recording complete/);
    assert.match(r.stdout, /1 thread, 1 turn/);
    assert.match(r.stdout, /response_id resp_mock_2, upstream_request_id req_mock_2/);
    assert.match(r.stdout, /1 tool call \(1 completed\)/);
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
    assert.match(r.stderr, /^Error: missing trace manifest: no such file \(.*manifest\.json\)/);
    assert.ok(!existsSync(join(dir, "state.json")));
  });

  test("a seq gap exits 2 naming the seq and the file", async () => {
    const dir = copyBundle("codex-0.169-basic");
    const lines = readFileSync(join(dir, "trace.jsonl"), "utf8").split("\n");
    lines.splice(4, 1);
    writeFileSync(join(dir, "trace.jsonl"), lines.join("\n"));
    const r = await cli("debug", "trace-reduce", dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Error: missing or reordered trace event 5 \(.*trace\.jsonl, line 5, seq 6\)/);
    assert.ok(!existsSync(join(dir, "state.json")));
  });

  test("a missing payload exits 2 naming the payload and its file", async () => {
    const dir = copyBundle("codex-0.169-basic");
    rmSync(join(dir, "payloads", "6.json"));
    const r = await cli("debug", "trace-reduce", dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Error: read payload raw_payload:6 \(.*payloads\/6\.json, line 11, seq 11\)/);
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
    assert.match(r.stderr, /Error: parse trace event line 2: unknown variant `rollout_exploded`/);
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
    assert.match(r.stdout, /Anomalies: last line 26 of trace\.jsonl is incomplete/);
  });
});
