import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { TomlError, parse as parseToml } from "smol-toml";
import type { ZodError } from "zod";
import type { ConfigLayerMetadata, ConfigLayerSource } from "../protocol/index.js";
import { ConfigError } from "./errors.js";
import { locateKey } from "./locate.js";
import { isTable, leafPaths, mergeTables, parseOverride, setPath, type TomlTable } from "./overrides.js";
import { KNOWN_TOP_LEVEL_KEYS, SpoolConfigSchema, type SpoolConfig } from "./schema.js";

/** One source of settings, lowest precedence first. */
export interface ConfigLayerData {
  source: ConfigLayerSource;
  version: string;
  table: TomlTable;
}

export interface LoadedConfig {
  /** Typed effective config. */
  config: SpoolConfig;
  /** The merged raw table, config.toml's snake_case keys as written. */
  raw: TomlTable;
  home: string;
  /** Path of `config.toml` (it need not exist). */
  file: string;
  /** Directory relative paths in config.toml resolve against. */
  dir: string;
  layers: ConfigLayerData[];
  origins: Record<string, ConfigLayerMetadata>;
  /** Top-level keys present that Spool does not act on. */
  unknownKeys: string[];
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** `-c key=value` overrides, applied in order over config.toml. */
  overrides?: readonly string[];
  /** Overrides `SPOOL_HOME`. */
  home?: string;
}

/** `SPOOL_HOME`, else `~/.spool`. */
export function spoolHome(env: NodeJS.ProcessEnv = process.env): string {
  const h = env.SPOOL_HOME;
  return h && h.trim() !== "" ? resolve(h) : join(homedir(), ".spool");
}

function version(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}

function readUserLayer(file: string): { table: TomlTable; text: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { table: {}, text: "" };
    throw new ConfigError(`${file}: cannot read: ${(err as Error).message}`, file);
  }
  try {
    return { table: parseToml(text) as TomlTable, text };
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split("\n")[0];
      throw new ConfigError(`${file}:${err.line}:${err.column}: invalid TOML: ${first}`, file, err.line);
    }
    throw err;
  }
}

function describeZodError(
  error: ZodError,
  file: string,
  text: string,
  overrideKeys: Set<string>,
): ConfigError {
  const issue = error.issues[0]!;
  const key = issue.path.map(String).join(".");
  // Blame -c only when the failing key is an override's key, inside it, or holds it: whole
  // dotted segments, so `-c model=…` is not blamed for `model_reasoning_effort`.
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}.`);
  if ([...overrideKeys].some((k) => within(key, k) || within(k, key))) {
    return new ConfigError(`-c ${key}: ${issue.message}`, undefined, undefined, key);
  }
  const line = locateKey(text, issue.path as (string | number)[]);
  const where = line === undefined ? file : `${file}:${line}`;
  return new ConfigError(`${where}: ${key}: ${issue.message}`, file, line, key);
}

/**
 * Reads `config.toml` under the Spool home, applies `-c` overrides and types the result. Throws
 * `ConfigError` naming the file, line and key when something is wrong; unknown keys are kept.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const home = options.home ? resolve(options.home) : spoolHome(env);
  const file = join(home, "config.toml");
  const user = readUserLayer(file);
  const layers: ConfigLayerData[] = [
    { source: { type: "user", file }, version: version(user.text), table: user.table },
  ];
  const overrideKeys = new Set<string>();
  if (options.overrides && options.overrides.length > 0) {
    const table: TomlTable = {};
    for (const spec of options.overrides) {
      const { path, value } = parseOverride(spec);
      setPath(table, path, value);
      overrideKeys.add(path.join("."));
    }
    layers.push({ source: { type: "sessionFlags" }, version: version(options.overrides.join("\n")), table });
  }
  let raw: TomlTable = {};
  const origins: Record<string, ConfigLayerMetadata> = {};
  for (const layer of layers) {
    raw = mergeTables(raw, layer.table);
    for (const path of leafPaths(layer.table)) origins[path] = { name: layer.source, version: layer.version };
  }
  const parsed = SpoolConfigSchema.safeParse(raw);
  if (!parsed.success) throw describeZodError(parsed.error, file, user.text, overrideKeys);
  const unknownKeys = Object.keys(raw).filter((k) => !KNOWN_TOP_LEVEL_KEYS.has(k));
  return { config: parsed.data, raw, home, file, dir: home, layers, origins, unknownKeys };
}

export { isTable };
