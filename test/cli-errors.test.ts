// One error path for the whole CLI: usage errors print `spool: <message>` and the verb's usage and
// exit 2; bad settings or input exit 2 with `spool: <message>`; runtime failures exit 1; never a
// stack trace unless SPOOL_DEBUG=1. Each case runs the compiled `spool` as a real process.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "main.js");
const home = mkdtempSync(join(tmpdir(), "spool-cli-errors-"));
after(() => rmSync(home, { recursive: true, force: true }));

function spool(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH, SPOOL_HOME: home, ...env }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? -1) : 0;
        resolve({ code: typeof code === "number" ? code : -1, stdout, stderr });
      },
    );
  });
}

const noStack = (stderr: string) => assert.doesNotMatch(stderr, /^\s+at /m, stderr);

describe("usage errors exit 2 with spool: <message> and the verb's usage", { concurrency: true }, () => {
  const cases: [string, string[], RegExp, string][] = [
    ["an unknown verb", ["bogus"], /^spool: unknown command 'bogus'$/, "Usage: spool [options] [command]"],
    [
      "an unknown option",
      ["app-server", "--nope"],
      /^spool: unknown option '--nope'$/,
      "Usage: spool app-server [options]",
    ],
    [
      "a missing argument",
      ["debug", "trace-reduce"],
      /^spool: missing required argument 'bundle'$/,
      "Usage: spool debug trace-reduce [options] <bundle>",
    ],
    [
      "a missing required option",
      ["model-server"],
      /^spool: required option '--script <file>' not specified$/,
      "Usage: spool model-server [options]",
    ],
    [
      "an invalid port",
      ["model-server", "--script", "x.json", "--port", "abc"],
      /^spool: option '--port <n>' argument 'abc' is invalid\. expected a port number 0-65535$/,
      "Usage: spool model-server [options]",
    ],
    [
      "a zero byte count",
      ["exec-server", "--retained-output-bytes", "0"],
      /^spool: option '--retained-output-bytes <n>' argument '0' is invalid\. expected a positive integer$/,
      "Usage: spool exec-server [options]",
    ],
    [
      "a negative byte count",
      ["exec-server", "--retained-output-bytes", "-5"],
      /argument '-5' is invalid\. expected a positive integer$/,
      "Usage: spool exec-server [options]",
    ],
    [
      "a byte count that is not a number",
      ["exec-server", "--retained-output-bytes", "abc"],
      /argument 'abc' is invalid\. expected a positive integer$/,
      "Usage: spool exec-server [options]",
    ],
    [
      "an invalid --max-frame-bytes",
      ["app-server", "--max-frame-bytes", "1.5"],
      /argument '1\.5' is invalid\. expected a positive integer$/,
      "Usage: spool app-server [options]",
    ],
    [
      "an invalid listen address",
      ["app-server", "--listen", "tcp://x"],
      /^spool: --listen tcp:\/\/x: /,
      "Usage: spool app-server [options]",
    ],
  ];
  for (const [name, args, first, usage] of cases) {
    test(name, async () => {
      const r = await spool(args);
      assert.equal(r.code, 2, r.stderr);
      const lines = r.stderr.split("\n");
      assert.match(lines[0]!, first);
      assert.equal(lines[1], usage);
      noStack(r.stderr);
    });
  }

  test("a verb group without its verb prints its help and exits 2", async () => {
    const r = await spool(["debug"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Usage: spool debug \[options\] \[command\]/);
    assert.match(r.stderr, /\nspool: missing command\n$/);
  });
});

describe("settings and input errors exit 2 with spool: <message>", { concurrency: true }, () => {
  test("-c model_provider=<unknown> blames -c", async () => {
    const r = await spool(["app-server", "-c", "model_provider=nope"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^spool: config error: -c model_provider: unknown model provider id "nope"/);
    noStack(r.stderr);
  });

  test("a wrongly typed value in a provider that is not selected fails naming the key and line", async () => {
    const dir = mkdtempSync(join(home, "typed-"));
    writeFileSync(
      join(dir, "config.toml"),
      '[model_providers.slow]\nbase_url = "http://127.0.0.1:1/v1"\nstream_idle_timeout_ms = "abc"\n',
    );
    const r = await spool(["app-server"], { SPOOL_HOME: dir });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^spool: config error: .*config\.toml:3: model_providers\.slow\.stream_idle_timeout_ms: /,
    );
  });

  test("a bundle that does not exist", async () => {
    const r = await spool(["debug", "trace-reduce", join(home, "nonexistent")]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^spool: missing trace manifest: no such file \(.*nonexistent\/manifest\.json\)\n$/,
    );
  });
});

describe("runtime failures exit 1 with spool: <message>", { concurrency: true }, () => {
  const bundle = join(home, "bundle");
  mkdirSync(bundle);
  writeFileSync(
    join(bundle, "manifest.json"),
    JSON.stringify({
      schema_version: 2,
      trace_id: "t",
      rollout_id: "r",
      root_thread_id: "r",
      started_at_unix_ms: 1,
      raw_event_log: "trace.jsonl",
      payloads_dir: "payloads",
    }),
  );
  writeFileSync(join(bundle, "trace.jsonl"), "");
  const target = join(home, "a-directory");
  mkdirSync(target);

  test("without SPOOL_DEBUG: one line, no stack", async () => {
    const r = await spool(["debug", "trace-reduce", bundle, "-o", target]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `spool: cannot write ${target}: it is a directory\n`);
  });

  test("with SPOOL_DEBUG=1 the stack follows the message", async () => {
    const r = await spool(["debug", "trace-reduce", bundle, "-o", target], { SPOOL_DEBUG: "1" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^spool: cannot write .*: it is a directory\nError: cannot write .*\n\s+at /);
  });
});
