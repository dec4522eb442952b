import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";

/**
 * `[observe]`: the local trace store and viewer (`spool observe`), and whether `spool
 * app-server` writes its own spans and events into the store when no exporter is configured.
 */
export const ObserveTomlSchema = z
  .object({
    embedded: z.boolean().default(true),
    /** The store file; relative paths resolve against the Spool home. */
    store: z.string().min(1).optional(),
    retention_days: z.number().positive().default(7),
    max_store_mb: z.number().positive().default(1024),
    port: z.number().int().min(0).max(65535).default(4318),
    ui_port: z.number().int().min(0).max(65535).default(4320),
    /** Extra rollout-trace roots whose bundles the viewer lists (besides the configured one). */
    trace_roots: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type ObserveToml = z.infer<typeof ObserveTomlSchema>;

/** `[observe]` resolved: absolute paths, limits in ms and bytes. */
export interface ObserveConfig {
  embedded: boolean;
  storePath: string;
  maxAgeMs: number;
  maxBytes: number;
  port: number;
  uiPort: number;
  traceRoots: string[];
}

/** Resolves `[observe]` (already validated by the config schema) against the Spool home. */
export function resolveObserveConfig(toml: ObserveToml | undefined, home: string): ObserveConfig {
  const t = ObserveTomlSchema.parse(toml ?? {});
  const path = (p: string) => (isAbsolute(p) ? p : resolve(home, p));
  return {
    embedded: t.embedded,
    storePath: t.store ? path(t.store) : join(home, "observe.sqlite"),
    maxAgeMs: t.retention_days * 24 * 3600_000,
    maxBytes: Math.round(t.max_store_mb * 1024 * 1024),
    port: t.port,
    uiPort: t.ui_port,
    traceRoots: t.trace_roots.map(path),
  };
}
