#!/usr/bin/env node
// Records what a real Codex app-server exports over OTLP/HTTP (protobuf) during one turn with a
// tool call, plus the rollout bundle it writes, as test/fixtures/observe/codex-0.169-otlp/.
//   node scripts/record-codex-otlp.mjs [--codex PATH] [--drive PATH] [--out DIR] [--log yes]
// With `--log yes` Codex also logs JSON lines (LOG_FORMAT=json, its timing events on) to stderr,
// kept as stderr.log: what `spool trace import-log` reads.
// Needs `npm run build` (the scripted model server) and the peer Codex (defaults below).
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const codex = resolve(args.codex ?? "../peers/codex-0.169/node_modules/.bin/codex");
const drive = resolve(args.drive ?? "../shared/tools/drive.mjs");
const out = resolve(args.out ?? "test/fixtures/observe/codex-0.169-otlp");
const work = mkdtempSync(join(tmpdir(), "spool-record-otlp-"));

// 1. A receiver that keeps each OTLP request body as sent.
const bodies = [];
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    bodies.push({
      signal: req.url.split("/").pop(),
      type: req.headers["content-type"],
      body: Buffer.concat(chunks),
    });
    res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
  });
});
await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
const otlp = `http://127.0.0.1:${receiver.address().port}`;

// 2. The scripted model: one exec_command call, then an answer.
const model = spawn(process.execPath, [
  "dist/cli/main.js",
  "model-server",
  "--script",
  "test/fixtures/model-scripts/tool-call-turn.json",
  "--port",
  "0",
]);
const modelUrl = await new Promise((r) => createInterface({ input: model.stdout }).once("line", r));

// 3. Codex with [otel] pointed at the receiver and rollout tracing on; drive one basic session.
const home = join(work, "home");
const project = join(work, "project");
mkdirSync(home);
mkdirSync(project);
writeFileSync(join(project, "notes.txt"), "hello\n");
writeFileSync(
  join(home, "config.toml"),
  `model = "gpt-5.1-codex-mock"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "danger-full-access"

[model_providers.mock]
name = "Mock Responses"
base_url = "${modelUrl}"
env_key = "MOCK_OPENAI_API_KEY"
wire_api = "responses"

[otel]
exporter = { otlp-http = { endpoint = "${otlp}/v1/logs", protocol = "binary" } }
trace_exporter = { otlp-http = { endpoint = "${otlp}/v1/traces", protocol = "binary" } }
metrics_exporter = { otlp-http = { endpoint = "${otlp}/v1/metrics", protocol = "binary" } }
`,
);
const bundles = join(work, "bundles");
// Asynchronously: this process's receiver must keep answering while Codex exports.
const driver = spawn(
  process.execPath,
  [
    drive,
    "--server",
    "codex app-server",
    "--model-url",
    modelUrl,
    "--out",
    join(work, "drive"),
    "--cwd",
    project,
    "--env",
    "MOCK_OPENAI_API_KEY=dummy",
  ],
  {
    stdio: "inherit",
    env: {
      ...process.env,
      CODEX_HOME: home,
      CODEX_ROLLOUT_TRACE_ROOT: bundles,
      ...(args.log === "yes"
        ? { LOG_FORMAT: "json", RUST_LOG: "warn,codex_core::tools=info,codex_exec_server=info" }
        : {}),
      PATH: `${dirname(codex)}:${process.env.PATH}`,
    },
  },
);
const status = await new Promise((r) => driver.once("exit", r));
model.kill();
receiver.close();
if (status !== 0) throw new Error(`drive.mjs failed (${status}); see ${work}`);

// 4. The fixture: numbered request bodies and the bundle.
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "otlp"), { recursive: true });
bodies.forEach((b, i) =>
  writeFileSync(join(out, "otlp", `${String(i + 1).padStart(3, "0")}-${b.signal}.pb`), b.body),
);
if (args.log === "yes") cpSync(join(work, "drive", "stderr.log"), join(out, "stderr.log"));
const [bundle] = readdirSync(bundles);
cpSync(join(bundles, bundle), join(out, "bundle"), { recursive: true });
rmSync(work, { recursive: true, force: true });
console.log(`recorded ${bodies.length} OTLP requests and ${bundle} into ${out}`);
