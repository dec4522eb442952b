import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { PatchHunk, UpdateChunk } from "./parse.js";

/** One file's change, verified: what it held and what it will hold (null: absent). */
export interface FileChange {
  kind: "add" | "delete" | "update";
  /** Absolute. */
  path: string;
  /** Absolute; an update that moves the file. */
  movePath: string | null;
  before: string | null;
  after: string | null;
}

/** A patch that cannot be applied to the files as they are; nothing was written. */
export class PatchApplyError extends Error {
  override readonly name = "PatchApplyError";
}

/** Absolute paths every hunk touches (an update's source and its move target). */
export function patchPaths(hunks: readonly PatchHunk[], cwd: string): string[] {
  return hunks.flatMap((h) => [
    resolve(cwd, h.path),
    ...(h.type === "update" && h.movePath ? [resolve(cwd, h.movePath)] : []),
  ]);
}

async function readExisting(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new PatchApplyError(`Failed to read file to ${what} ${path}: ${(err as Error).message}`);
  }
}

/**
 * Reads every file a patch touches and computes its new contents, checking every hunk against
 * the file as it is now. Throws `PatchApplyError` on the first hunk that does not fit; nothing
 * is written here.
 */
export async function verifyPatch(hunks: readonly PatchHunk[], cwd: string): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const h of hunks) {
    const path = resolve(cwd, h.path);
    switch (h.type) {
      case "add":
        changes.push({ kind: "add", path, movePath: null, before: null, after: h.contents });
        break;
      case "delete":
        changes.push({
          kind: "delete",
          path,
          movePath: null,
          before: await readExisting(path, "delete"),
          after: null,
        });
        break;
      case "update": {
        const before = await readExisting(path, "update");
        changes.push({
          kind: "update",
          path,
          movePath: h.movePath ? resolve(cwd, h.movePath) : null,
          before,
          after: applyChunks(before, h.chunks, path),
        });
        break;
      }
    }
  }
  return changes;
}

/**
 * Writes verified changes, all or nothing: new contents go to temporary files beside their
 * targets first, then are renamed into place; if any step fails, what was already replaced or
 * removed is restored from the contents read at verification.
 */
export async function writeChanges(changes: readonly FileChange[]): Promise<void> {
  const staged = new Map<FileChange, string>();
  const undo: (() => Promise<void>)[] = [];
  try {
    for (const c of changes) {
      if (c.after === null) continue;
      const target = c.movePath ?? c.path;
      await mkdir(dirname(target), { recursive: true });
      const tmp = `${target}.spool-patch-${randomBytes(4).toString("hex")}`;
      await writeFile(tmp, c.after);
      staged.set(c, tmp);
    }
    for (const c of changes) {
      const tmp = staged.get(c);
      if (tmp !== undefined) {
        const target = c.movePath ?? c.path;
        await rename(tmp, target);
        staged.delete(c);
        undo.push(() => restore(target, c.movePath ? null : c.before));
      }
      if (c.kind === "delete" || c.movePath) {
        await rm(c.path, { force: true });
        undo.push(() => restore(c.path, c.before));
      }
    }
  } catch (err) {
    for (const u of undo.reverse()) await u().catch(() => undefined);
    for (const tmp of staged.values()) await rm(tmp, { force: true }).catch(() => undefined);
    throw new PatchApplyError(`Failed to write the patch: ${(err as Error).message}`);
  }
}

async function restore(path: string, contents: string | null): Promise<void> {
  if (contents === null) await rm(path, { force: true });
  else await writeFile(path, contents);
}

/** Codex's `seek_sequence`: exact, then ignoring trailing, then surrounding whitespace. */
function seek(lines: readonly string[], pattern: readonly string[], start: number, eof: boolean): number {
  if (pattern.length === 0) return start;
  if (pattern.length > lines.length) return -1;
  const from = eof ? lines.length - pattern.length : start;
  const tries: ((s: string) => string)[] = [(s) => s, (s) => s.trimEnd(), (s) => s.trim()];
  for (const norm of tries) {
    for (let i = Math.max(from, 0); i + pattern.length <= lines.length; i++) {
      if (pattern.every((p, j) => norm(lines[i + j]!) === norm(p))) return i;
    }
  }
  return eof ? seek(lines, pattern, start, false) : -1;
}

/** Applies one file's chunks in order, as Codex's `compute_replacements` + `apply_replacements`. */
function applyChunks(contents: string, chunks: readonly UpdateChunk[], path: string): string {
  const lines = contents.split("\n");
  // The final newline leaves an empty last element that is not a line.
  if (lines.at(-1) === "") lines.pop();
  const replacements: { at: number; remove: number; insert: string[] }[] = [];
  let cursor = 0;
  for (const chunk of chunks) {
    if (chunk.context !== null) {
      const at = seek(lines, [chunk.context], cursor, false);
      if (at < 0) throw new PatchApplyError(`Failed to find context '${chunk.context}' in ${path}`);
      cursor = at + 1;
    }
    if (chunk.oldLines.length === 0) {
      replacements.push({ at: lines.length, remove: 0, insert: chunk.newLines });
      continue;
    }
    let old = chunk.oldLines;
    let add = chunk.newLines;
    let at = seek(lines, old, cursor, chunk.endOfFile);
    // A trailing empty pattern line is often the file's final newline, not a line of its own.
    if (at < 0 && old.at(-1) === "") {
      old = old.slice(0, -1);
      add = add.at(-1) === "" ? add.slice(0, -1) : add;
      at = seek(lines, old, cursor, chunk.endOfFile);
    }
    if (at < 0)
      throw new PatchApplyError(`Failed to find expected lines in ${path}:\n${chunk.oldLines.join("\n")}`);
    replacements.push({ at, remove: old.length, insert: add });
    cursor = at + old.length;
  }
  for (const r of [...replacements].sort((a, b) => b.at - a.at)) lines.splice(r.at, r.remove, ...r.insert);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
