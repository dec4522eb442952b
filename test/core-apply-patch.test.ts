import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelScriptInput } from "../src/model-server/index.js";
import { reduceBundle, stateJson } from "../src/rollout-trace/index.js";
import { killSpawned } from "./support/spawned-servers.js";
import {
  bundleOf,
  handshake,
  schemaProblems,
  startCoreSession,
  type CoreSession,
} from "./support/core-server.js";

after(killSpawned);

const FULL_ACCESS = { approvalPolicy: "never", sandbox: "danger-full-access" };

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "spool-patch-"));
  writeFileSync(join(dir, "edit.txt"), "one\ntwo\nthree\n");
  writeFileSync(join(dir, "gone.txt"), "bye\n");
  writeFileSync(join(dir, "old-name.txt"), "moving\n");
  return dir;
}

const PATCH = `*** Begin Patch
*** Add File: sub/new.txt
+hello
+world
*** Update File: edit.txt
@@ one
-two
+TWO
 three
*** Delete File: gone.txt
*** Update File: old-name.txt
*** Move to: new-name.txt
@@
-moving
+moved
*** End Patch`;

function freeform(patch: string, callId = "call_patch"): ModelScriptInput {
  return {
    responses: [
      { output: [{ type: "custom_tool_call", name: "apply_patch", call_id: callId, input: patch }] },
      { output: [{ type: "message", text: "patched" }] },
    ],
  };
}

interface PatchRun {
  s: CoreSession;
  threadId: string;
  turnId: string;
  status: string;
}

async function patchTurn(
  cwd: string,
  model: ModelScriptInput,
  threadParams: Record<string, unknown> = FULL_ACCESS,
  answer?: (method: string, params: Record<string, unknown>) => unknown,
  turnOverrides: Record<string, unknown> = {},
): Promise<PatchRun> {
  const s = await startCoreSession({ script: model, onServerRequest: answer });
  await handshake(s);
  const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {
    cwd,
    ...threadParams,
  });
  const { turn } = await s.rpc.request<{ turn: { id: string } }>("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "patch it" }],
    ...turnOverrides,
  });
  const completed = await s.waitFor(
    (n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id === turn.id,
  );
  return {
    s,
    threadId: thread.id,
    turnId: turn.id,
    status: (completed.params.turn as { status: string }).status,
  };
}

function fileChanges(s: CoreSession, method: "item/started" | "item/completed"): Record<string, unknown>[] {
  return s.notifications
    .filter((n) => n.method === method && (n.params.item as { type: string }).type === "fileChange")
    .map((n) => n.params.item as Record<string, unknown>);
}

/** The tool outputs of the model's last request (`custom_tool_call_output` or `function_call_output`). */
function lastOutputs(s: CoreSession): Record<string, unknown>[] {
  const body = s.model.requests.at(-1)!.body as { input: Record<string, unknown>[] };
  return body.input.filter((i) => i.type === "custom_tool_call_output" || i.type === "function_call_output");
}

async function stop(r: PatchRun): Promise<void> {
  assert.deepEqual(schemaProblems(r.s.frames), []);
  assert.equal(await r.s.stop(), 0, r.s.server.stderr());
  await r.s.model.close();
}

test("a freeform apply_patch adds, updates, deletes and moves files; fileChange item and turn diff", async () => {
  const cwd = workspace();
  const r = await patchTurn(cwd, freeform(PATCH));
  assert.equal(r.status, "completed");
  assert.equal(readFileSync(join(cwd, "sub/new.txt"), "utf8"), "hello\nworld\n");
  assert.equal(readFileSync(join(cwd, "edit.txt"), "utf8"), "one\nTWO\nthree\n");
  assert.ok(!existsSync(join(cwd, "gone.txt")));
  assert.ok(!existsSync(join(cwd, "old-name.txt")));
  assert.equal(readFileSync(join(cwd, "new-name.txt"), "utf8"), "moved\n");

  const [started] = fileChanges(r.s, "item/started");
  const [done] = fileChanges(r.s, "item/completed");
  assert.equal(started!.status, "inProgress");
  assert.equal(done!.status, "completed");
  assert.equal(done!.id, "call_patch");
  const changes = done!.changes as { path: string; kind: Record<string, unknown>; diff: string }[];
  assert.deepEqual(
    changes.map((c) => [c.path, c.kind]),
    [
      [join(cwd, "sub/new.txt"), { type: "add" }],
      [join(cwd, "edit.txt"), { type: "update", move_path: null }],
      [join(cwd, "gone.txt"), { type: "delete" }],
      [join(cwd, "old-name.txt"), { type: "update", move_path: join(cwd, "new-name.txt") }],
    ],
  );
  assert.equal(
    changes[1]!.diff,
    "--- a/edit.txt\n+++ b/edit.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n",
  );
  assert.match(
    changes[0]!.diff,
    /^--- \/dev\/null\n\+\+\+ b\/sub\/new\.txt\n@@ -0,0 \+1,2 @@\n\+hello\n\+world\n$/,
  );

  const diffs = r.s.notifications.filter((n) => n.method === "turn/diff/updated");
  assert.equal(diffs.length, 1);
  assert.equal(diffs[0]!.params.turnId, r.turnId);
  const diff = String(diffs[0]!.params.diff);
  for (const header of [
    "diff --git a/edit.txt b/edit.txt",
    "diff --git a/gone.txt b/gone.txt",
    "diff --git a/new-name.txt b/new-name.txt",
    "diff --git a/old-name.txt b/old-name.txt",
    "diff --git a/sub/new.txt b/sub/new.txt",
  ])
    assert.ok(diff.includes(header), header);

  const [out] = lastOutputs(r.s);
  assert.equal(out!.type, "custom_tool_call_output");
  assert.equal(out!.call_id, "call_patch");
  assert.match(
    String(out!.output),
    /^Success\. Updated the following files:\nA .*sub\/new\.txt\nM .*edit\.txt\nD /,
  );

  // The offered tool is Codex's freeform apply_patch.
  const tools = (r.s.model.requests[0]!.body as { tools: Record<string, unknown>[] }).tools;
  const spec = tools.find((t) => t.name === "apply_patch")!;
  assert.equal(spec.type, "custom");
  assert.equal((spec.format as { syntax: string }).syntax, "lark");
  await stop(r);

  // Rollout: an apply_patch tool call with its custom invocation and its result.
  const { state } = await reduceBundle(bundleOf(r.s.traceRoot, r.threadId));
  const reduced = JSON.parse(stateJson(state)) as {
    tool_calls: Record<
      string,
      {
        kind: { type: string };
        raw_invocation_payload_id: string | null;
        raw_result_payload_id: string | null;
        execution: { status: string };
      }
    >;
  };
  const [call] = Object.values(reduced.tool_calls);
  assert.equal(call!.kind.type, "apply_patch");
  assert.equal(call!.execution.status, "completed");
  assert.notEqual(call!.raw_invocation_payload_id, null);
  assert.notEqual(call!.raw_result_payload_id, null);
});

test("the function form of apply_patch ({input}) applies too", async () => {
  const cwd = workspace();
  const patch = "*** Begin Patch\n*** Add File: f.txt\n+via function\n*** End Patch\n";
  const r = await patchTurn(cwd, {
    responses: [
      {
        output: [
          { type: "function_call", name: "apply_patch", call_id: "call_fn", arguments: { input: patch } },
        ],
      },
      { output: [{ type: "message", text: "ok" }] },
    ],
  });
  assert.equal(readFileSync(join(cwd, "f.txt"), "utf8"), "via function\n");
  const [out] = lastOutputs(r.s);
  assert.equal(out!.type, "function_call_output");
  assert.match(String(out!.output), /^Success\./);
  await stop(r);
});

test("a hunk that does not fit leaves every file untouched, the new ones unwritten", async () => {
  const cwd = workspace();
  const bad = `*** Begin Patch
*** Add File: created.txt
+should not exist
*** Update File: edit.txt
@@
-two
+2
*** Update File: gone.txt
@@
-not in the file
+x
*** End Patch`;
  const r = await patchTurn(cwd, freeform(bad));
  assert.equal(r.status, "completed");
  assert.ok(!existsSync(join(cwd, "created.txt")));
  assert.equal(readFileSync(join(cwd, "edit.txt"), "utf8"), "one\ntwo\nthree\n");
  assert.equal(readFileSync(join(cwd, "gone.txt"), "utf8"), "bye\n");
  assert.deepEqual(fileChanges(r.s, "item/started"), []);
  const [out] = lastOutputs(r.s);
  assert.match(
    String(out!.output),
    /^apply_patch verification failed: Failed to find expected lines in .*gone\.txt/,
  );
  assert.ok(!r.s.notifications.some((n) => n.method === "turn/diff/updated"));
  await stop(r);
});

test("paths outside the cwd and writable roots are refused with a clear error; nothing is written", async () => {
  const parent = mkdtempSync(join(tmpdir(), "spool-patch-parent-"));
  const cwd = join(parent, "ws");
  mkdirSync(cwd);
  const outside = mkdtempSync(join(tmpdir(), "spool-patch-outside-"));
  const patch = `*** Begin Patch
*** Add File: inside.txt
+fine
*** Add File: ../escape.txt
+no
*** Add File: ${join(outside, "abs.txt")}
+no
*** End Patch`;
  const r = await patchTurn(cwd, freeform(patch));
  assert.equal(r.status, "completed");
  assert.ok(!existsSync(join(cwd, "inside.txt")), "all or nothing");
  assert.ok(!existsSync(join(parent, "escape.txt")));
  assert.ok(!existsSync(join(outside, "abs.txt")));
  const [out] = lastOutputs(r.s);
  assert.match(
    String(out!.output),
    /^apply_patch refused: .*escape\.txt, .*abs\.txt are outside the workspace \(.*ws\)/,
  );
  await stop(r);

  // A writable root of workspace-write is part of the workspace, and is written without asking.
  const r2 = await patchTurn(
    cwd,
    freeform(`*** Begin Patch\n*** Add File: ${join(outside, "abs.txt")}\n+yes\n*** End Patch`),
    { approvalPolicy: "on-request" },
    undefined,
    { sandboxPolicy: { type: "workspaceWrite", writableRoots: [outside] } },
  );
  assert.equal(readFileSync(join(outside, "abs.txt"), "utf8"), "yes\n");
  assert.equal(r2.s.serverRequests.length, 0);
  await stop(r2);
});

test("under read-only a patch asks first (item started, then the request); decline leaves files as they were", async () => {
  const cwd = workspace();
  const r = await patchTurn(cwd, freeform(PATCH), {}, () => ({ decision: "decline" }));
  assert.equal(r.status, "completed");
  assert.equal(readFileSync(join(cwd, "edit.txt"), "utf8"), "one\ntwo\nthree\n");
  assert.ok(existsSync(join(cwd, "gone.txt")));
  const [req] = r.s.serverRequests;
  assert.equal(req!.method, "item/fileChange/requestApproval");
  assert.equal(req!.params.itemId, "call_patch");
  assert.equal(req!.params.turnId, r.turnId);
  const startedAt = r.s.frames.findIndex(
    (f) =>
      f.msg.method === "item/started" &&
      (f.msg.params as { item: { type: string } }).item.type === "fileChange",
  );
  const askedAt = r.s.frames.findIndex((f) => f.msg.method === "item/fileChange/requestApproval");
  assert.ok(startedAt >= 0 && startedAt < askedAt, "clients see the changes before the question");
  assert.equal(fileChanges(r.s, "item/completed")[0]!.status, "declined");
  assert.equal(String(lastOutputs(r.s)[0]!.output), "patch rejected by user");
  assert.ok(r.s.notifications.some((n) => n.method === "serverRequest/resolved"));
  await stop(r);

  const accepted = await patchTurn(cwd, freeform(PATCH), {}, () => ({ decision: "accept" }));
  assert.equal(readFileSync(join(cwd, "edit.txt"), "utf8"), "one\nTWO\nthree\n");
  assert.equal(fileChanges(accepted.s, "item/completed")[0]!.status, "completed");
  await stop(accepted);
});
