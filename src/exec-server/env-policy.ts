import type { ExecEnvPolicy } from "../protocol/index.js";

// Codex's `ShellEnvironmentPolicy`: which of the exec-server's own variables a process inherits.
const CORE_VARS = ["HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP"];
const DEFAULT_EXCLUDES = ["*KEY*", "*SECRET*", "*TOKEN*"];

function wildcard(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

/**
 * The environment a process starts with. Without a policy it is exactly `env` (Codex's rule);
 * with one, the policy picks from `base` (inherit, default excludes, excludes, set,
 * include-only, in Codex's order) and `env` is laid over the result.
 */
export function childEnvironment(
  env: Record<string, string>,
  policy: ExecEnvPolicy | null | undefined,
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  if (!policy) return { ...env };
  const out: Record<string, string> = {};
  const inherit =
    policy.inherit === "all"
      ? Object.keys(base)
      : policy.inherit === "core"
        ? CORE_VARS.filter((k) => k in base)
        : [];
  for (const k of inherit) {
    const v = base[k];
    if (v !== undefined) out[k] = v;
  }
  const drop = (patterns: string[]) => {
    const res = patterns.map(wildcard);
    for (const k of Object.keys(out)) if (res.some((r) => r.test(k))) delete out[k];
  };
  if (!policy.ignoreDefaultExcludes) drop(DEFAULT_EXCLUDES);
  drop(policy.exclude);
  Object.assign(out, policy.set);
  if (policy.includeOnly.length > 0) {
    const keep = policy.includeOnly.map(wildcard);
    for (const k of Object.keys(out)) if (!keep.some((r) => r.test(k))) delete out[k];
  }
  return Object.assign(out, env);
}
