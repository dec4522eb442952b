/**
 * JSON text in the exact shape Codex (serde_json) writes: pretty output with 2-space indent and no
 * trailing newline, object keys in insertion order, and `Map`s (Rust `BTreeMap`s) with their keys
 * sorted by UTF-8 bytes. `undefined` object members are omitted, like serde's
 * `skip_serializing_if = "Option::is_none"`.
 */

/** Pretty JSON for a payload or manifest file (no `Map`s inside). */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Compares two strings by their UTF-8 bytes (serde's `BTreeMap<String, _>` order). */
export function compareUtf8(a: string, b: string): number {
  // Code-unit order equals UTF-8 byte order except across surrogate pairs vs U+E000..U+FFFF.
  if (/[\ud800-\udfff]/.test(a) || /[\ud800-\udfff]/.test(b)) {
    return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Streams pretty JSON of `value` to `write` in chunks; `Map` values at any depth are written as
 * objects with sorted keys. Plain subtrees without `Map`s go through `JSON.stringify` (fast path).
 */
export function writePrettyJson(value: unknown, write: (chunk: string) => void): void {
  const out = new ChunkedOut(write);
  emit(value, "", out);
  out.flush();
}

class ChunkedOut {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly sink: (chunk: string) => void) {}
  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 16) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    this.sink(this.parts.join(""));
    this.parts = [];
    this.size = 0;
  }
}

function containsMap(value: unknown): boolean {
  if (value instanceof Map) return true;
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some(containsMap);
  for (const v of Object.values(value)) if (containsMap(v)) return true;
  return false;
}

function emit(value: unknown, indent: string, out: ChunkedOut): void {
  if (value instanceof Map) {
    const keys = [...(value as Map<string, unknown>).keys()].sort(compareUtf8);
    if (keys.length === 0) return out.push("{}");
    const inner = indent + "  ";
    out.push("{\n");
    keys.forEach((k, i) => {
      out.push(`${inner}${JSON.stringify(k)}: `);
      emit((value as Map<string, unknown>).get(k), inner, out);
      out.push(i === keys.length - 1 ? "\n" : ",\n");
    });
    out.push(`${indent}}`);
    return;
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value) && containsMap(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return out.push("{}");
    const inner = indent + "  ";
    out.push("{\n");
    entries.forEach(([k, v], i) => {
      out.push(`${inner}${JSON.stringify(k)}: `);
      emit(v, inner, out);
      out.push(i === entries.length - 1 ? "\n" : ",\n");
    });
    out.push(`${indent}}`);
    return;
  }
  const text = JSON.stringify(value, null, 2);
  // JSON strings never hold a raw newline, so re-indenting line starts is safe.
  out.push(indent === "" ? text : text.replace(/\n/g, `\n${indent}`));
}
