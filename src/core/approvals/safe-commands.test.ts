import { test } from "node:test";
import assert from "node:assert/strict";
import { isKnownSafeCommand } from "./safe-commands.js";

test("read-only commands joined by sequencing operators and pipes are known safe", () => {
  for (const s of [
    "ls -la",
    "cat a.txt | wc -l",
    "pwd && echo 'a b' ; true",
    "rg -n foo src",
    "grep -r x .",
    "git status",
    "git diff HEAD~1",
    "sed -n 1,20p file.txt",
    "find . -name '*.ts'",
  ])
    assert.equal(isKnownSafeCommand(s), true, s);
});

test("writes, expansions, substitutions, redirections and unsafe flags are not", () => {
  for (const s of [
    "touch x",
    "ls > out.txt",
    "echo $(id)",
    "echo `id`",
    'echo "$HOME"',
    "ls *.ts",
    "ls & rm x",
    "(ls)",
    "find . -delete",
    "find . -exec rm {} ;",
    "rg --pre cat foo",
    "rg --search-zip foo",
    "git push",
    "git -c core.pager=x log",
    "git log --output=x",
    "sed -i s/a/b/ f",
    "base64 -o out f",
    "a=1 ls",
    "ls # comment",
    "",
    "ls\nrm -rf x",
    "ls\r\ntouch x",
    "echo 'a\nb'",
  ])
    assert.equal(isKnownSafeCommand(s), false, s);
});
