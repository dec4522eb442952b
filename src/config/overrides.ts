import { parse as parseToml } from "smol-toml";
import { ConfigError } from "./errors.js";

export type TomlTable = Record<string, unknown>;

/**
 * Parses one `-c key=value` override: the value is read as TOML when it parses (`5`, `true`,
 * `"x"`, `{ a = 1 }`), else taken as a plain string. Dotted keys address nested tables.
 */
export function parseOverride(spec: string): { path: string[]; value: unknown } {
  const eq = spec.indexOf("=");
  if (eq <= 0) throw new ConfigError(`-c ${spec}: expected key=value`, undefined, undefined, spec);
  const key = spec.slice(0, eq).trim();
  const raw = spec.slice(eq + 1).trim();
  const path = key.split(".").map((p) => p.trim());
  if (path.some((p) => p === ""))
    throw new ConfigError(`-c ${spec}: empty key segment`, undefined, undefined, key);
  let value: unknown;
  try {
    value = parseToml(`v = ${raw}`).v;
  } catch {
    value = raw;
  }
  return { path, value };
}

/** Sets `value` at `path` in `target`, creating tables on the way (a non-table in the way is replaced). */
export function setPath(target: TomlTable, path: string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[segment] = {};
    node = node[segment] as TomlTable;
  }
  node[path[path.length - 1]!] = value;
}

/** Deep merge of TOML tables; `over` wins, arrays and scalars replace. */
export function mergeTables(base: TomlTable, over: TomlTable): TomlTable {
  const out: TomlTable = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isTable(b) && isTable(v) ? mergeTables(b, v) : v;
  }
  return out;
}

export function isTable(v: unknown): v is TomlTable {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Dotted paths of every leaf value (tables are descended; arrays are leaves). */
export function leafPaths(table: TomlTable, prefix = ""): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(table)) {
    const path = prefix === "" ? k : `${prefix}.${k}`;
    if (isTable(v) && Object.keys(v).length > 0) out.push(...leafPaths(v, path));
    else out.push(path);
  }
  return out;
}
