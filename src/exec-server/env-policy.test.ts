import { test } from "node:test";
import assert from "node:assert/strict";
import { childEnvironment } from "./env-policy.js";

const base = { PATH: "/bin", HOME: "/home/u", OPENAI_API_KEY: "sk", MY_TOKEN: "t", EDITOR: "vi" };
const policy = (over: object) => ({
  inherit: "all" as const,
  ignoreDefaultExcludes: false,
  exclude: [] as string[],
  set: {} as Record<string, string>,
  includeOnly: [] as string[],
  ...over,
});

test("without a policy the environment is exactly the request's env", () => {
  assert.deepEqual(childEnvironment({ A: "1" }, null, base), { A: "1" });
});

test("inherit all drops secrets by default; ignoreDefaultExcludes keeps them", () => {
  assert.deepEqual(childEnvironment({}, policy({}), base), { PATH: "/bin", HOME: "/home/u", EDITOR: "vi" });
  assert.deepEqual(childEnvironment({}, policy({ ignoreDefaultExcludes: true }), base), base);
});

test("inherit core keeps only the core variables; none keeps nothing", () => {
  assert.deepEqual(childEnvironment({}, policy({ inherit: "core" }), base), {
    PATH: "/bin",
    HOME: "/home/u",
  });
  assert.deepEqual(childEnvironment({}, policy({ inherit: "none" }), base), {});
});

test("exclude and includeOnly take case-insensitive wildcards; set and env are laid over in order", () => {
  const env = childEnvironment(
    { EXTRA: "env" },
    policy({ exclude: ["ed*"], set: { SET: "s", PATH: "/set" }, includeOnly: ["path", "S*", "HOME"] }),
    base,
  );
  assert.deepEqual(env, { PATH: "/set", HOME: "/home/u", SET: "s", EXTRA: "env" });
});
