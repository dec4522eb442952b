import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { LAYERS, checkLayering, readSources } from "./support/layering.js";

test("src/ imports only go down ARCHITECTURE.md's layer table, through index.ts", () => {
  const files = readSources("src");
  assert.ok(files.length > 10, "the checker must actually see the source tree");
  assert.deepEqual(checkLayering(files), []);
});

test("an upward import is reported", () => {
  const problems = checkLayering([{ path: "protocol/x.ts", text: 'import { a } from "../rpc/index.js";' }]);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /protocol may not import/);
});

test("an import past another folder's index.ts is reported", () => {
  const problems = checkLayering([
    { path: "rpc/x.ts", text: 'import type { Logger } from "../telemetry/log.js";' },
  ]);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /only through telemetry\/index.ts/);
});

test("config may import telemetry's types but not its values", () => {
  const typeOnly = 'import type { OtelSettings } from "../telemetry/index.js";';
  assert.deepEqual(checkLayering([{ path: "config/x.ts", text: typeOnly }]), []);
  const value = 'import { installTelemetry } from "../telemetry/index.js";';
  const problems = checkLayering([{ path: "config/x.ts", text: value }]);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /config may import its types only/);
});

test("the table knows the folders ARCHITECTURE.md lists, including ones not built yet", () => {
  const doc = readFileSync("ARCHITECTURE.md", "utf8");
  const documented = [...doc.matchAll(/^\| `([a-z-]+)\/` \|/gm)].map((m) => m[1]);
  assert.deepEqual(Object.keys(LAYERS).sort(), [...documented].sort());
  for (const folder of ["model-server", "otlp-receiver", "core", "observe"])
    assert.ok(folder in LAYERS, folder);
});

test("imports within a folder and down through index.ts pass", () => {
  const problems = checkLayering([
    {
      path: "app-server/x.ts",
      text: 'import { a } from "./y.js";\nexport { b } from "../rpc/index.js";\nconst m = await import("../core/index.js");',
    },
  ]);
  assert.deepEqual(problems, []);
});

test("a declared light entry point may be imported; other deep imports of that folder may not", () => {
  const problems = checkLayering([
    {
      path: "cli/x.ts",
      text: 'import { a } from "../rollout-trace/reducer/index.js";\nimport { b } from "../rollout-trace/reducer/graph.js";',
    },
  ]);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /reducer\/graph\.js; other folders are reached only through/);
});

test("outside telemetry/ nothing obtains the tracer, and only rpc's factory makes SERVER spans", () => {
  const code = readSources("src").filter(
    (f) => !f.path.startsWith("telemetry/") && !f.path.endsWith(".test.ts"),
  );
  assert.deepEqual(
    code.filter((f) => /\bgetTracer\(|\btrace\.getTracer\b/.test(f.text)).map((f) => f.path),
    [],
  );
  assert.deepEqual(
    code.filter((f) => /\bSpanKind\.SERVER\b/.test(f.text)).map((f) => f.path),
    ["rpc/request-span.ts"],
  );
});
