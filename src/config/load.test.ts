import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "./errors.js";
import { loadConfig } from "./load.js";
import { parseOverride } from "./overrides.js";

function home(toml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "spool-config-"));
  if (toml !== undefined) writeFileSync(join(dir, "config.toml"), toml);
  return dir;
}

test("a missing config.toml gives an empty user layer", () => {
  const loaded = loadConfig({ home: home() });
  assert.deepEqual(loaded.raw, {});
  assert.equal(loaded.layers.length, 1);
});

test("invalid TOML names the file, line and column", () => {
  const dir = home('model = "gpt-5"\n[otel\nx = 1\n');
  assert.throws(
    () => loadConfig({ home: dir }),
    (e: unknown) =>
      e instanceof ConfigError && e.line === 2 && e.message.startsWith(join(dir, "config.toml") + ":2:"),
  );
});

test("a wrongly typed key names the file, its line and the dotted key", () => {
  const dir = home('model = "gpt-5"\n\n[rollout_trace]\nroot = 5\n');
  assert.throws(
    () => loadConfig({ home: dir }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.key === "rollout_trace.root" &&
      e.line === 4 &&
      e.message.includes(`config.toml:4: rollout_trace.root:`),
  );
});

test("an invalid approval_policy is rejected naming the key", () => {
  assert.throws(() => loadConfig({ home: home('approval_policy = "sometimes"\n') }), /approval_policy/);
});

test("keys Spool does not implement are accepted and listed", () => {
  const loaded = loadConfig({
    home: home('model = "gpt-5"\nhide_agent_reasoning = true\n[mcp_servers.docs]\ncommand = "x"\n'),
  });
  assert.deepEqual(loaded.unknownKeys.sort(), ["hide_agent_reasoning", "mcp_servers"]);
  assert.equal(loaded.config.model, "gpt-5");
});

test("-c overrides parse values as TOML, else as strings, and record their origin", () => {
  const loaded = loadConfig({
    home: home('model = "a"\nmodel_provider = "openai"\n'),
    overrides: [
      "model=b",
      "model_providers.mock.base_url=http://127.0.0.1:1/v1",
      "otel.log_user_prompt=true",
    ],
  });
  assert.equal(loaded.config.model, "b");
  assert.deepEqual(loaded.raw.model_providers, { mock: { base_url: "http://127.0.0.1:1/v1" } });
  assert.deepEqual((loaded.raw.otel as Record<string, unknown>).log_user_prompt, true);
  assert.deepEqual(loaded.origins.model!.name, { type: "sessionFlags" });
  assert.equal(loaded.origins.model_provider!.name.type, "user");
});

test("parseOverride reads numbers, booleans, inline tables and bare strings", () => {
  assert.deepEqual(parseOverride("a.b=5"), { path: ["a", "b"], value: 5 });
  const table = parseOverride("x={ y = 1 }");
  assert.deepEqual(table.path, ["x"]);
  assert.deepEqual({ ...(table.value as object) }, { y: 1 });
  assert.deepEqual(parseOverride("m=gpt-5.1"), { path: ["m"], value: "gpt-5.1" });
  assert.throws(() => parseOverride("novalue"), ConfigError);
});

test("a bad key in config.toml is blamed on the file even when a -c override shares its prefix", () => {
  const dir = home('model = "a"\nmodel_reasoning_effort = 5\n');
  assert.throws(
    () => loadConfig({ home: dir, overrides: ["model=x"] }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.line === 2 &&
      e.message.includes("config.toml:2: model_reasoning_effort:"),
  );
  assert.throws(
    () => loadConfig({ home: home(), overrides: ["rollout_trace.root=5"] }),
    (e: unknown) => e instanceof ConfigError && e.message.startsWith("-c rollout_trace.root:"),
  );
});

test("[rollout_trace] takes Codex 0.171's schema and size limits; schema defaults to 2", () => {
  const loaded = loadConfig({
    home: home("[rollout_trace]\nschema = 3\nmax_payload_bytes = 1000\nmax_bytes = 30000\n"),
  });
  assert.deepEqual(loaded.config.rollout_trace, { schema: 3, max_payload_bytes: 1000, max_bytes: 30000 });
  assert.equal(loadConfig({ home: home('[rollout_trace]\nroot = "/t"\n') }).config.rollout_trace?.schema, 2);
  assert.throws(
    () => loadConfig({ home: home("[rollout_trace]\nschema = 4\n") }),
    (e: unknown) => e instanceof ConfigError && e.key === "rollout_trace.schema",
  );
});
