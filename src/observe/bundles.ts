import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ManifestSchema } from "../rollout-trace/index.js";
import type { BundleRef } from "./api-types.js";

function readRef(dir: string): BundleRef | undefined {
  try {
    const manifest = ManifestSchema.safeParse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
    if (!manifest.success) return undefined;
    return {
      path: dir,
      traceId: manifest.data.trace_id,
      rootThreadId: manifest.data.root_thread_id,
      startedAtUnixMs: manifest.data.started_at_unix_ms,
    };
  } catch {
    return undefined;
  }
}

/**
 * The rollout bundles directly under each trace root (a root may itself be a bundle), newest
 * first. Unreadable entries are skipped: a root is a directory other programs write into.
 */
export function listBundles(roots: readonly string[]): BundleRef[] {
  const out: BundleRef[] = [];
  for (const root of roots.map((r) => resolve(r))) {
    const self = readRef(root);
    if (self) {
      out.push(self);
      continue;
    }
    let names: string[];
    try {
      names = readdirSync(root);
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = join(root, name);
      try {
        if (!statSync(dir).isDirectory()) continue;
      } catch {
        continue;
      }
      const ref = readRef(dir);
      if (ref) out.push(ref);
    }
  }
  return out.sort((a, b) => b.startedAtUnixMs - a.startedAtUnixMs);
}

/** Reads one bundle directory's manifest; undefined when it is not a bundle. */
export function bundleRef(dir: string): BundleRef | undefined {
  return readRef(resolve(dir));
}
