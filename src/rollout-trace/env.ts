/** Environment variables that enable rollout tracing, highest precedence first. */
export const ROLLOUT_TRACE_ROOT_ENV_VARS = ["SPOOL_ROLLOUT_TRACE_ROOT", "CODEX_ROLLOUT_TRACE_ROOT"] as const;

/**
 * The trace root named by the environment: `SPOOL_ROLLOUT_TRACE_ROOT`, else
 * `CODEX_ROLLOUT_TRACE_ROOT`; empty values count as unset.
 */
export function rolloutTraceRootFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ROLLOUT_TRACE_ROOT_ENV_VARS) {
    const v = env[name];
    if (v !== undefined && v.trim() !== "") return v;
  }
  return undefined;
}

/**
 * The effective trace root: the environment wins over config.toml's `[rollout_trace] root`
 * (as environment overrides config everywhere else). `undefined` means tracing is disabled.
 *
 * @example
 * startRolloutRecorder({ root: resolveRolloutTraceRoot(config.rollout_trace?.root), rootThreadId });
 */
export function resolveRolloutTraceRoot(
  configRoot: string | undefined | null,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return rolloutTraceRootFromEnv(env) ?? (configRoot ? configRoot : undefined);
}
