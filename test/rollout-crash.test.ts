// A recording process that dies (SIGKILL) or is asked to stop (SIGTERM) leaves a bundle that reduces.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { reduceBundle } from "../src/rollout-trace/index.js";
import { scratchDir } from "./rollout-bundle-builder.js";

const scratch = scratchDir("spool-rollout-crash-");
after(scratch.cleanup);
const CHILD = join(import.meta.dirname, "rollout-crash-child.ts");

/** Starts the child and resolves each stdout line to the waiter whose predicate matches. */
function startChild(mode: string, schema = "2") {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, scratch.dir, mode, schema], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  let bundle = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (match: (line: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const onLine = (line: string): void => {
        if (line.startsWith("bundle ")) bundle = line.slice(7);
        if (match(line)) {
          lines.off("line", onLine);
          resolve(line);
        }
      };
      lines.on("line", onLine);
      void exited.then(() => reject(new Error("child exited early")));
    });
  return { child, exited, waitFor, bundle: () => bundle };
}

test("a recorder killed with SIGKILL mid-recording leaves a bundle that reduces as incomplete", async () => {
  const c = startChild("heavy");
  await c.waitFor((l) => /^rounds (\d+)$/.test(l) && Number(l.split(" ")[1]) >= 200);
  c.child.kill("SIGKILL");
  assert.equal((await c.exited).signal, "SIGKILL");

  const bundle = c.bundle();
  const r = await reduceBundle(bundle);
  assert.equal(r.state.recording_complete, false);
  assert.equal(r.state.status, "running");
  assert.ok(r.events >= 200 * 4, `at least the flushed rounds were reduced (${r.events} events)`);
  assert.ok(r.state.inference_calls.size >= 200);
  const calls = [...r.state.inference_calls.values()].filter((x) => x.execution.status === "completed");
  assert.ok(calls.length >= 200);
  for (const x of calls) assert.equal(x.upstream_request_id, x.response_id!.replace("resp-", "req-"));
  const text = readFileSync(join(bundle, "trace.jsonl"), "utf8");
  if (!text.endsWith("\n")) assert.match(r.anomalies.join("\n"), /is incomplete/);
});

test("SIGTERM flushes queued events before the process ends, without recording_completed", async () => {
  const c = startChild("signal");
  await c.waitFor((l) => l === "recorded 203");
  c.child.kill("SIGTERM");
  assert.equal((await c.exited).signal, "SIGTERM");
  const r = await reduceBundle(c.bundle());
  assert.equal(r.events, 203);
  assert.equal(r.state.recording_complete, false);
  assert.equal(r.state.inference_calls.size, 50);
});

test("schema 3: a recorder killed with SIGKILL leaves an unsealed last shard that reduces as unclosed", async () => {
  const c = startChild("heavy", "3");
  await c.waitFor((l) => /^rounds (\d+)$/.test(l) && Number(l.split(" ")[1]) >= 100);
  c.child.kill("SIGKILL");
  assert.equal((await c.exited).signal, "SIGKILL");
  const r = await reduceBundle(c.bundle());
  assert.equal(r.state.schema_version, 3);
  assert.equal(r.state.recording_status, "unclosed");
  assert.equal(r.state.recording_complete, undefined);
  assert.ok(r.state.inference_calls.size >= 100, `${r.state.inference_calls.size} calls`);
  for (const x of r.state.inference_calls.values()) {
    if (x.execution.status === "completed") assert.equal(x.response_item_ids.length, 1);
  }
});

test("schema 3: SIGTERM flushes queued payload records and events; the recording stays unclosed", async () => {
  const c = startChild("signal", "3");
  await c.waitFor((l) => l === "recorded 203");
  c.child.kill("SIGTERM");
  assert.equal((await c.exited).signal, "SIGTERM");
  const r = await reduceBundle(c.bundle());
  assert.equal(r.events, 203);
  assert.equal(r.state.recording_status, "unclosed");
  assert.equal(r.state.inference_calls.size, 50);
});
