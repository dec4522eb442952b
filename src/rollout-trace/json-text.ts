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
 * Streams pretty JSON of `value` to `write` in chunks. `Map`s are written as objects with sorted
 * keys; they may sit in plain objects at any depth, but a `Map`'s values must be plain JSON (the
 * reduced state's shape), which lets whole batches of entries go through one `JSON.stringify`.
 */
export function writePrettyJson(value: unknown, write: (chunk: string) => void): void {
  const out = new ChunkedOut(write);
  emit(value, 0, out);
  out.flush();
}

class ChunkedOut {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly sink: (chunk: string) => void) {}
  push(s: string): void {
    if (s.length >= 1 << 16) {
      // A big piece goes out as it is: joining it with small ones would copy it once more.
      this.flush();
      this.sink(s);
      return;
    }
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 16) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    this.sink(this.parts.length === 1 ? this.parts[0]! : this.parts.join(""));
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

const spaces = (depth: number): string => "  ".repeat(depth);
/** Keys a JS object would move to the front in numeric order (array indexes). */
const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;
const BATCH_ENTRIES = 256;

/**
 * Map entries at `depth` (their keys indented by depth + 1), a batch at a time: the batch becomes a
 * plain object nested in `depth` one-key wrappers, so `JSON.stringify` indents it exactly where it
 * belongs and only the wrappers' lines are cut off.
 */
function emitEntries(map: Map<string, unknown>, keys: string[], depth: number, out: ChunkedOut): void {
  let prefix = "{\n";
  let suffix = "\n}";
  for (let i = 1; i <= depth; i++) {
    prefix += `${spaces(i)}"w": {\n`;
    suffix = `\n${spaces(i)}}` + suffix;
  }
  for (let start = 0; start < keys.length;) {
    const batch: Record<string, unknown> = {};
    let end = start;
    // An index-like key would be reordered inside an object, so it goes alone.
    if (INDEX_KEY.test(keys[start]!)) batch[keys[end++]!] = map.get(keys[start]!);
    else
      for (; end < keys.length && end - start < BATCH_ENTRIES && !INDEX_KEY.test(keys[end]!); end++)
        batch[keys[end]!] = map.get(keys[end]!);
    let wrapped: unknown = batch;
    for (let i = 0; i < depth; i++) wrapped = { w: wrapped };
    const text = JSON.stringify(wrapped, null, 2);
    if (start > 0) out.push(",\n");
    out.push(text.slice(prefix.length, text.length - suffix.length));
    start = end;
  }
}

function emit(value: unknown, depth: number, out: ChunkedOut): void {
  if (value instanceof Map) {
    const map = value as Map<string, unknown>;
    const keys = [...map.keys()].sort(compareUtf8);
    if (keys.length === 0) return out.push("{}");
    out.push("{\n");
    emitEntries(map, keys, depth, out);
    out.push(`\n${spaces(depth)}}`);
    return;
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value) && containsMap(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return out.push("{}");
    const inner = spaces(depth + 1);
    out.push("{\n");
    entries.forEach(([k, v], i) => {
      out.push(`${inner}${JSON.stringify(k)}: `);
      emit(v, depth + 1, out);
      out.push(i === entries.length - 1 ? "\n" : ",\n");
    });
    out.push(`${spaces(depth)}}`);
    return;
  }
  const text = JSON.stringify(value, null, 2);
  // JSON strings never hold a raw newline, so re-indenting line starts is safe (small values only:
  // big subtrees are Map entries, written by emitEntries).
  out.push(depth === 0 ? text : text.replace(/\n/g, `\n${spaces(depth)}`));
}
