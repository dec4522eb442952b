import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ModelClient, functionCallOutput, userMessage } from "../src/model-client/index.js";
import { scriptedModelProvider, type RequestLogEntry } from "../src/model-server/index.js";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "main.js");
const FIXTURES = join(import.meta.dirname, "fixtures", "model-scripts");
const children: ChildProcess[] = [];

after(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
});

async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, "model-server", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, "line")) as [string];
  return { child, url: line };
}

test("spool model-server prints its URL, plays a tool-call turn and logs each request as JSONL", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spool-model-server-"));
  const log = join(dir, "requests.jsonl");
  const { child, url } = await startCli(["--script", join(FIXTURES, "tool-call-turn.json"), "--log", log]);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  const client = new ModelClient({ provider: scriptedModelProvider(url) });
  const first = await client.stream({ model: "demo", input: [userMessage("what is here?")] }).collect();
  assert.equal(first.status, "completed");
  if (first.status !== "completed") return;
  const call = first.output.find((i) => i.type === "function_call") as unknown as {
    call_id: string;
    name: string;
  };
  assert.equal(call.name, "exec_command");
  const second = await client
    .stream({
      model: "demo",
      input: [userMessage("what is here?"), ...first.output, functionCallOutput(call.call_id, "README.md\n")],
    })
    .collect();
  assert.equal(second.status, "completed");
  if (second.status === "completed") {
    assert.equal(
      (second.output[0] as unknown as { content: { text: string }[] }).content[0]!.text,
      "The directory contains: README.md",
    );
  }
  child.kill("SIGTERM");
  const [code] = (await once(child, "exit")) as [number | null];
  assert.equal(code, 0);
  const entries = readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as RequestLogEntry);
  assert.deepEqual(
    entries.map((e) => [e.seq, e.step, e.label, e.x_request_id, e.result]),
    [
      [1, 0, "call the shell", "req_1", "completed"],
      [2, 1, "answer with the tool output", "req_2", "completed"],
    ],
  );
  const input = (entries[1]!.body as { input: { type: string }[] }).input;
  assert.ok(
    input.some((i) => i.type === "function_call_output"),
    "the log holds the body as sent",
  );
});

test("a TOML script with faults plays in order through retries", async () => {
  const { url } = await startCli(["--script", join(FIXTURES, "faults.toml")]);
  const client = new ModelClient({ provider: scriptedModelProvider(url), random: () => 0 });
  const outcome = await client.stream({ model: "demo", input: [userMessage("go")] }).collect();
  // 429 → retried; the cut stream dropped after output → not retried.
  assert.equal(outcome.status, "dropped");
  assert.equal(outcome.upstreamRequestId, "req_2");
  const last = await client.stream({ model: "demo", input: [userMessage("again")] }).collect();
  assert.equal(last.status, "completed");
});

test("a bad script exits 2 with a message naming the file and key", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spool-model-server-"));
  const file = join(dir, "bad.json");
  writeFileSync(file, JSON.stringify({ responses: [{ output: [{ type: "message", txt: "typo" }] }] }));
  const child = spawn(process.execPath, [CLI, "model-server", "--script", file], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  assert.equal(code, 2);
  assert.match(stderr, /bad\.json: responses\.0\.output\.0/);
});
