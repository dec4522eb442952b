import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "./errors.js";
import { loadConfig } from "./load.js";
import { resolveModelProviders, selectModelProvider } from "./model-providers.js";

test("the built-in openai provider has Codex's defaults", () => {
  const p = selectModelProvider({}, { env: {} });
  assert.deepEqual(
    { ...p, envKeyInstructions: undefined },
    {
      id: "openai",
      name: "OpenAI",
      baseUrl: "https://api.openai.com/v1",
      envKey: "OPENAI_API_KEY",
      envKeyInstructions: undefined,
      wireApi: "responses",
      queryParams: {},
      httpHeaders: {},
      envHttpHeaders: { "OpenAI-Organization": "OPENAI_ORGANIZATION", "OpenAI-Project": "OPENAI_PROJECT" },
      requestMaxRetries: 4,
      streamMaxRetries: 5,
      streamIdleTimeoutMs: 300_000,
      supportsWebsockets: true,
      websocketConnectTimeoutMs: 15_000,
    },
  );
});

test("OPENAI_BASE_URL overrides the built-in base URL", () => {
  assert.equal(
    selectModelProvider({}, { env: { OPENAI_BASE_URL: "http://proxy:8080/v1/" } }).baseUrl,
    "http://proxy:8080/v1",
  );
});

test("a custom provider gets defaults for every key it leaves out", () => {
  const p = selectModelProvider(
    {
      model_provider: "local",
      model_providers: { local: { base_url: "http://127.0.0.1:9999/v1", wire_api: "responses" } },
    },
    { env: {} },
  );
  assert.equal(p.name, "local");
  assert.equal(p.envKey, undefined);
  assert.equal(p.streamIdleTimeoutMs, 300_000);
  assert.equal(p.websocketConnectTimeoutMs, 15_000);
  assert.equal(p.supportsWebsockets, false);
  assert.equal(p.requestMaxRetries, 4);
});

test("websocket_startup_timeout_ms is accepted as an alias of websocket_connect_timeout_ms", () => {
  const providers = resolveModelProviders(
    {
      a: { base_url: "http://x/v1", websocket_startup_timeout_ms: 1234 },
      b: { base_url: "http://x/v1", websocket_connect_timeout_ms: 99, websocket_startup_timeout_ms: 1234 },
    },
    { env: {} },
  );
  assert.equal(providers.get("a")!.websocketConnectTimeoutMs, 1234);
  assert.equal(providers.get("b")!.websocketConnectTimeoutMs, 99, "the current name wins");
});

test("retry budgets are capped at 100", () => {
  const p = resolveModelProviders(
    { a: { base_url: "http://x/v1", request_max_retries: 1000, stream_max_retries: 7 } },
    { env: {} },
  ).get("a")!;
  assert.equal(p.requestMaxRetries, 100);
  assert.equal(p.streamMaxRetries, 7);
});

test("an unknown model_provider fails naming the key and the known ids", () => {
  assert.throws(
    () => selectModelProvider({ model_provider: "nope" }, { env: {} }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.key === "model_provider" &&
      /unknown model provider id "nope"/.test(err.message) &&
      /known: openai/.test(err.message),
  );
});

test("a bad provider value names the key and the config.toml line", () => {
  const home = mkdtempSync(join(tmpdir(), "spool-providers-"));
  writeFileSync(
    join(home, "config.toml"),
    'model_provider = "p"\n\n[model_providers.p]\nbase_url = "http://x/v1"\nstream_idle_timeout_ms = "soon"\n',
  );
  const loaded = loadConfig({ home, env: {} });
  assert.throws(
    () => selectModelProvider(loaded.config, { env: {}, file: loaded.file }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.key === "model_providers.p.stream_idle_timeout_ms" &&
      err.line === 5 &&
      err.message.includes("config.toml:5: model_providers.p.stream_idle_timeout_ms"),
  );
});

test("a provider without base_url or with another wire_api is rejected", () => {
  assert.throws(
    () => resolveModelProviders({ p: { name: "P" } }, { env: {} }),
    /model_providers\.p\.base_url: required/,
  );
  assert.throws(
    () => resolveModelProviders({ p: { base_url: "http://x/v1", wire_api: "chat" } }, { env: {} }),
    /model_providers\.p\.wire_api: only wire_api = "responses" is supported/,
  );
});

test("a user [model_providers.openai] table overrides the built-in key by key", () => {
  const p = resolveModelProviders({ openai: { stream_idle_timeout_ms: 5000 } }, { env: {} }).get("openai")!;
  assert.equal(p.streamIdleTimeoutMs, 5000);
  assert.equal(p.baseUrl, "https://api.openai.com/v1");
  assert.equal(p.envKey, "OPENAI_API_KEY");
});

test("-c model_provider=<unknown> is blamed on -c, not on a config.toml that does not exist", () => {
  const home = mkdtempSync(join(tmpdir(), "spool-providers-"));
  const loaded = loadConfig({ home, env: {}, overrides: ["model_provider=nope"] });
  assert.throws(
    () => selectModelProvider(loaded.config, { env: {}, file: loaded.file, origins: loaded.origins }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.message.startsWith('-c model_provider: unknown model provider id "nope"') &&
      err.file === undefined,
  );
});

test("an unused provider Spool cannot serve is skipped, but one with a wrongly typed value fails naming the key", () => {
  const skipped: string[] = [];
  const onInvalid = (id: string) => skipped.push(id);
  const providers = resolveModelProviders(
    { chat: { base_url: "http://x/v1", wire_api: "chat" }, nourl: { name: "N" } },
    { env: {}, strictId: "openai", onInvalid },
  );
  assert.deepEqual(skipped.sort(), ["chat", "nourl"]);
  assert.ok(providers.has("openai"));
  assert.throws(
    () =>
      resolveModelProviders(
        { slow: { base_url: "http://x/v1", stream_idle_timeout_ms: "abc" } },
        { env: {}, strictId: "openai", onInvalid },
      ),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.key === "model_providers.slow.stream_idle_timeout_ms" &&
      /expected number/.test(err.message),
  );
});
