import { join } from "node:path";
import { TraceReduceError, TraceRuleError } from "../errors.js";
import type { Manifest } from "../schema.js";
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  jsonDepthExceeds,
  readBundleFile,
  type ResolvedLimits,
} from "./limits.js";
import { validateManifest } from "./trace-validators.generated.js";

/** A bundle's `manifest.json`, bounded, parsed and validated; every failure names the file. */
export async function readManifest(bundle: string, limits: ResolvedLimits): Promise<Manifest> {
  const file = join(bundle, "manifest.json");
  let text: string;
  try {
    text = readBundleFile(file, "manifest.json", "trace manifest", DEFAULT_MAX_PAYLOAD_BYTES).toString(
      "utf8",
    );
  } catch (cause) {
    if (cause instanceof TraceRuleError) throw new TraceReduceError(cause.message, { file });
    const missing = (cause as NodeJS.ErrnoException).code === "ENOENT";
    const why = missing ? "no such file" : (cause as Error).message;
    throw new TraceReduceError(
      `${missing ? "missing" : "unreadable"} trace manifest: ${why}`,
      { file },
      { cause },
    );
  }
  if (jsonDepthExceeds(text, limits.maxJsonDepth)) {
    throw new TraceReduceError(`trace manifest nests deeper than ${limits.maxJsonDepth} levels`, { file });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new TraceReduceError(`parse trace manifest: ${(cause as Error).message}`, { file }, { cause });
  }
  const version = (raw as { schema_version?: unknown } | null)?.schema_version;
  if (typeof version === "number" && version !== 2 && version !== 3) {
    throw new TraceReduceError(
      `trace schema ${version} cannot establish accepted history; use its matching reducer or record a new bundle (Spool reads schemas 2 and 3)`,
      { file },
    );
  }
  const manifest = validateManifest(raw);
  if (manifest === undefined) {
    const { manifestErrorMessage } = await import("./schema-errors.js");
    throw new TraceReduceError(manifestErrorMessage(raw), { file });
  }
  return manifest;
}
