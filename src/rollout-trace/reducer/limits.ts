import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { TraceReduceError, TraceRuleError } from "../errors.js";

/**
 * What the reducer accepts from a bundle it did not write. Generous for real recordings, tight
 * enough that a hostile bundle costs bounded memory and stack and gets an error naming the place.
 */
export interface ReducerLimits {
  /** Longest `trace.jsonl` line (default 16 MiB). */
  maxLineBytes?: number;
  /** Largest payload body, a file (schema 2) or an assembled record (schema 3) (default 256 MiB). */
  maxPayloadBytes?: number;
  /** Deepest JSON nesting in an event line or payload (default 1000). */
  maxJsonDepth?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
export const DEFAULT_MAX_JSON_DEPTH = 1000;

export type ResolvedLimits = Required<ReducerLimits>;

export function resolveLimits(limits: ReducerLimits = {}): ResolvedLimits {
  return {
    maxLineBytes: limits.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    maxPayloadBytes: limits.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    maxJsonDepth: limits.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH,
  };
}

/** How an entry is named in the error: the existing wording for shards and the payload directory. */
function describeEntry(rel: string): string {
  const parts = rel.split(sep);
  if (parts[0] !== "payloads") return "bundle file";
  if (parts.length === 1) return "payload directory";
  return rel.endsWith(".zst") ? "payload shard" : "payload file";
}

/**
 * Refuses a bundle with a symlink anywhere under it (lstat of the whole tree, iteratively): a
 * link would let the bundle pull a file from outside into `state.json`. The bundle directory
 * itself may be a link (that is how it was named); the files are then opened with `O_NOFOLLOW`.
 */
export function assertNoSymlinks(bundle: string): void {
  const dirs = [bundle];
  while (dirs.length > 0) {
    const dir = dirs.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      // A missing or unreadable directory is reported by the read that needs it.
      continue;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        throw new TraceReduceError(`${describeEntry(relative(bundle, path))} ${path} is a symlink`, {
          file: path,
        });
      }
      if (entry.isDirectory()) dirs.push(path);
    }
  }
}

/** Opens a bundle file for reading without following a link (ELOOP when it is one). */
export function openNoFollow(path: string): number {
  return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
}

/** Whether `path` is a symlink now (the tree was checked at the start; a swap since is caught too). */
export function isSymlinkError(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ELOOP";
}

/**
 * Reads a whole regular file through `O_NOFOLLOW`, refusing one over `maxBytes` before reading it.
 * Throws `TraceRuleError` (with `what` and `rel` in the message) for links and oversize files,
 * and the plain errno error for anything else.
 */
export function readBundleFile(path: string, rel: string, what: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openNoFollow(path);
  } catch (err) {
    if (isSymlinkError(err)) throw new TraceRuleError(`${what} ${path} is a symlink`, rel);
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) {
      throw new TraceRuleError(`${what} is ${size} bytes, over the ${maxBytes}-byte limit`, rel);
    }
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Where {@link BundleFileReader} starts; it grows to the largest file read. */
const READER_START_BYTES = 256 * 1024;

/**
 * Reads whole bundle files, one after another, through one buffer that is reused (and grown to
 * the largest file so far): a bundle of the real shape has ~900 payload files of 1-60 KB, and a
 * fresh buffer per file (what `readFileSync` allocates) is external memory the GC has to chase.
 * Same errors as {@link readBundleFile}.
 */
export class BundleFileReader {
  private buf = Buffer.allocUnsafeSlow(READER_START_BYTES);

  constructor(private readonly maxBytes: number) {}

  /** The file's text (decoded as UTF-8) and its size in bytes; `shown` is the path errors name. */
  readText(
    path: string,
    rel: string,
    what: string,
    shown: () => string = () => path,
  ): { text: string; bytes: number } {
    let fd: number;
    try {
      fd = openNoFollow(path);
    } catch (err) {
      if (isSymlinkError(err)) throw new TraceRuleError(`${what} ${shown()} is a symlink`, rel);
      throw err;
    }
    try {
      const size = fstatSync(fd).size;
      if (size > this.maxBytes) {
        throw new TraceRuleError(`${what} is ${size} bytes, over the ${this.maxBytes}-byte limit`, rel);
      }
      if (size > this.buf.length) this.buf = Buffer.allocUnsafeSlow(Math.max(size, this.buf.length * 2));
      // Like readFileSync: the size fstat gave, or less if the file shrank meanwhile.
      let n = 0;
      while (n < size) {
        const got = readSync(fd, this.buf, n, size - n, null);
        if (got === 0) break;
        n += got;
      }
      return { text: this.buf.toString("utf8", 0, n), bytes: n };
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Whether JSON `text` nests deeper than `max` arrays and objects. One pass, iterative, strings
 * skipped with `indexOf`; run before `JSON.parse` so no deep value is ever built (`JSON.parse` is
 * iterative, but what walks its result — validators, `JSON.stringify` — recurses). Malformed text
 * is left for the parser to report.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  // Nesting deeper than max needs more than max openers and as many closers.
  if (text.length <= 2 * max) return false;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i < 0) return false;
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === 92 /* \ */) backslashes++;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return false;
}
