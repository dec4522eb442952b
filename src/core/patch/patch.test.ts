import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PatchApplyError, verifyPatch, writeChanges } from "./apply.js";
import { PatchParseError, parsePatch } from "./parse.js";
import { TurnDiff } from "./turn-diff.js";

const wrap = (body: string) => `*** Begin Patch\n${body}\n*** End Patch`;

test("parses every hunk kind, a move, context anchors and the end-of-file marker", () => {
  const hunks = parsePatch(
    wrap(
      "*** Add File: a.txt\n+x\n+y\n*** Delete File: b.txt\n*** Update File: c.txt\n*** Move to: d.txt\n@@ def f():\n-  old\n+  new\n@@\n last\n+tail\n*** End of File",
    ),
  );
  assert.deepEqual(hunks, [
    { type: "add", path: "a.txt", contents: "x\ny\n" },
    { type: "delete", path: "b.txt" },
    {
      type: "update",
      path: "c.txt",
      movePath: "d.txt",
      chunks: [
        { context: "def f():", oldLines: ["  old"], newLines: ["  new"], endOfFile: false },
        { context: null, oldLines: ["last"], newLines: ["last", "tail"], endOfFile: true },
      ],
    },
  ]);
  // A heredoc wrapper around the patch is tolerated, as Codex tolerates it.
  assert.equal(parsePatch(`<<'EOF'\n${wrap("*** Delete File: z")}\nEOF`).length, 1);
});

test("a malformed patch is refused with a message that says what is wrong", () => {
  const bad: [string, RegExp][] = [
    ["*** Add File: a\n+x\n*** End Patch", /first line of the patch must be '\*\*\* Begin Patch'/],
    ["*** Begin Patch\n*** Add File: a\n+x", /last line of the patch must be '\*\*\* End Patch'/],
    [wrap("*** Frobnicate: a"), /is not a valid hunk header \(line 2\)/],
    [wrap("*** Update File: a"), /Update file hunk for path 'a' is empty/],
    [wrap("*** Update File: a\n@@\n-x\n@@"), /Update hunk does not contain any lines/],
    ["*** Begin Patch\n*** End Patch", /changes no file/],
  ];
  for (const [text, message] of bad)
    assert.throws(
      () => parsePatch(text),
      (e) => e instanceof PatchParseError && message.test(e.message),
      text,
    );
});

test("updates find their lines after the anchor, tolerate trailing whitespace, append at the end", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spool-patch-unit-"));
  writeFileSync(join(dir, "f.py"), "def a():\n    return 1\n\ndef b():\n    return 1   \n");
  writeFileSync(join(dir, "g.txt"), "no newline at end");
  const changes = await verifyPatch(
    parsePatch(
      wrap(
        "*** Update File: f.py\n@@ def b():\n-    return 1\n+    return 2\n*** Update File: g.txt\n@@\n+appended",
      ),
    ),
    dir,
  );
  assert.equal(changes[0]!.after, "def a():\n    return 1\n\ndef b():\n    return 2\n");
  assert.equal(changes[1]!.after, "no newline at end\nappended\n");
  await assert.rejects(
    verifyPatch(parsePatch(wrap("*** Update File: f.py\n@@ def c():\n-x\n+y")), dir),
    (e) => e instanceof PatchApplyError && /Failed to find context 'def c\(\):'/.test(e.message),
  );
  await assert.rejects(verifyPatch(parsePatch(wrap("*** Delete File: missing.txt")), dir), PatchApplyError);
});

test("a write that fails halfway puts back what it had already replaced", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spool-patch-unit-"));
  writeFileSync(join(dir, "a.txt"), "original\n");
  mkdirSync(join(dir, "taken"));
  writeFileSync(join(dir, "taken", "inside"), "");
  // `taken` is a directory: renaming the new file onto it fails after a.txt was replaced.
  const changes = await verifyPatch(
    parsePatch(wrap("*** Update File: a.txt\n@@\n-original\n+changed\n*** Add File: taken\n+x")),
    dir,
  );
  await assert.rejects(writeChanges(changes), PatchApplyError);
  assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "original\n");
  assert.deepEqual(readdirSync(dir).sort(), ["a.txt", "taken"], "no temporary file left behind");
  assert.ok(existsSync(join(dir, "taken", "inside")));
});

test("the turn diff keeps each path's contents from before the turn's first change", () => {
  const d = new TurnDiff("/w");
  d.record("/w/x.txt", "1\n", "2\n");
  const diff = d.record("/w/x.txt", "2\n", "3\n");
  assert.equal(diff, "diff --git a/x.txt b/x.txt\n--- a/x.txt\n+++ b/x.txt\n@@ -1,1 +1,1 @@\n-1\n+3\n");
  assert.equal(d.record("/w/x.txt", "3\n", "1\n"), "", "back to where it started: no diff");
});
