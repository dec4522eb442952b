/**
 * Best-effort line number of a key path in TOML text, for error messages. Tracks `[table]`
 * headers and matches `key =` lines (bare or quoted keys, dotted keys inside the table).
 */
export function locateKey(text: string, path: readonly (string | number)[]): number | undefined {
  const keys = path.filter((p): p is string => typeof p === "string");
  if (keys.length === 0) return undefined;
  const lines = text.split(/\r?\n/);
  let table: string[] = [];
  let best: number | undefined;
  const norm = (s: string) =>
    s
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .replace(/^'(.*)'$/, "$1");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const header = /^\[\[?([^\]]+)\]\]?/.exec(line);
    if (header) {
      table = header[1]!.split(".").map(norm);
      if (keys.length >= table.length && table.every((t, j) => t === keys[j])) best ??= i + 1;
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0 || line.startsWith("#")) continue;
    const full = [...table, ...line.slice(0, eq).split(".").map(norm)];
    if (full.length <= keys.length && full.every((k, j) => k === keys[j])) {
      if (full.length === keys.length) return i + 1;
      best = i + 1;
    }
  }
  return best;
}
