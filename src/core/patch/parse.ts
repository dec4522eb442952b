/**
 * Codex's patch format (`codex-rs/apply-patch`), the one its models write:
 *
 *   *** Begin Patch
 *   *** Add File: path        then `+line`s
 *   *** Delete File: path
 *   *** Update File: path     then optional `*** Move to: path`, then `@@ [context]` chunks of
 *                             ` `/`-`/`+` lines, optionally closed by `*** End of File`
 *   *** End Patch
 */

export interface UpdateChunk {
  /** The `@@ <line>` anchor: the chunk applies after the first line equal to it. */
  context: string | null;
  oldLines: string[];
  newLines: string[];
  /** The chunk must match at the end of the file. */
  endOfFile: boolean;
}

export type PatchHunk =
  | { type: "add"; path: string; contents: string }
  | { type: "delete"; path: string }
  | { type: "update"; path: string; movePath: string | null; chunks: UpdateChunk[] };

/** A patch that does not follow the format; the message says where. */
export class PatchParseError extends Error {
  override readonly name = "PatchParseError";
}

const BEGIN = "*** Begin Patch";
const END = "*** End Patch";
const ADD = "*** Add File: ";
const DELETE = "*** Delete File: ";
const UPDATE = "*** Update File: ";
const MOVE = "*** Move to: ";
const EOF_MARKER = "*** End of File";

function isHunkHeader(line: string): boolean {
  const t = line.trim();
  return t.startsWith(ADD) || t.startsWith(DELETE) || t.startsWith(UPDATE) || t === END;
}

/** Parses a whole patch; throws `PatchParseError` with the offending line's number. */
export function parsePatch(text: string): PatchHunk[] {
  const lines = text.trim().split("\n");
  // A heredoc wrapper (`<<'EOF'` … `EOF`) is what models sometimes send around the patch.
  if (lines.length >= 4 && /^<<['"]?EOF['"]?$/.test(lines[0]!.trim()) && lines.at(-1)!.trim() === "EOF") {
    lines.shift();
    lines.pop();
  }
  if (lines[0]?.trim() !== BEGIN) throw new PatchParseError(`The first line of the patch must be '${BEGIN}'`);
  if (lines.at(-1)?.trim() !== END) throw new PatchParseError(`The last line of the patch must be '${END}'`);
  const hunks: PatchHunk[] = [];
  let i = 1;
  const last = lines.length - 1;
  while (i < last) {
    const header = lines[i]!.trim();
    const lineNo = i + 1;
    i++;
    if (header.startsWith(ADD)) {
      const body: string[] = [];
      while (i < last && lines[i]!.startsWith("+")) body.push(lines[i++]!.slice(1));
      hunks.push({
        type: "add",
        path: header.slice(ADD.length),
        contents: body.map((l) => `${l}\n`).join(""),
      });
    } else if (header.startsWith(DELETE)) {
      hunks.push({ type: "delete", path: header.slice(DELETE.length) });
    } else if (header.startsWith(UPDATE)) {
      const path = header.slice(UPDATE.length);
      let movePath: string | null = null;
      if (i < last && lines[i]!.trim().startsWith(MOVE)) movePath = lines[i++]!.trim().slice(MOVE.length);
      const chunks: UpdateChunk[] = [];
      while (i < last && !isHunkHeader(lines[i]!)) {
        const { chunk, next } = parseChunk(lines, i, last, chunks.length === 0);
        chunks.push(chunk);
        i = next;
      }
      if (chunks.length === 0) throw new PatchParseError(`Update file hunk for path '${path}' is empty`);
      hunks.push({ type: "update", path, movePath, chunks });
    } else {
      throw new PatchParseError(
        `'${header}' is not a valid hunk header (line ${lineNo}). Valid hunk headers: ` +
          `'*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'`,
      );
    }
  }
  if (hunks.length === 0) throw new PatchParseError("The patch changes no file");
  return hunks;
}

function parseChunk(
  lines: readonly string[],
  start: number,
  last: number,
  first: boolean,
): { chunk: UpdateChunk; next: number } {
  let i = start;
  let context: string | null = null;
  const head = lines[i]!;
  if (head.trimEnd() === "@@") i++;
  else if (head.startsWith("@@ ")) {
    context = head.slice(3);
    i++;
  } else if (!first) {
    throw new PatchParseError(`Expected update hunk to start with a @@ context marker, got: '${head}'`);
  }
  const chunk: UpdateChunk = { context, oldLines: [], newLines: [], endOfFile: false };
  let changed = 0;
  while (i < last) {
    const line = lines[i]!;
    if (line.trimEnd() === EOF_MARKER) {
      chunk.endOfFile = true;
      i++;
      break;
    }
    if (isHunkHeader(line) || (line.startsWith("@@") && changed > 0)) break;
    const mark = line[0];
    const rest = line.slice(1);
    if (line === "") {
      // An empty line stands for an unchanged empty line.
      chunk.oldLines.push("");
      chunk.newLines.push("");
    } else if (mark === " ") {
      chunk.oldLines.push(rest);
      chunk.newLines.push(rest);
    } else if (mark === "-") chunk.oldLines.push(rest);
    else if (mark === "+") chunk.newLines.push(rest);
    else if (changed === 0)
      throw new PatchParseError(
        `Unexpected line found in update hunk: '${line}'. Every line should start with ' ' (context line), '+' (added line), or '-' (removed line)`,
      );
    else break;
    changed++;
    i++;
  }
  if (changed === 0) throw new PatchParseError(`Update hunk does not contain any lines (line ${start + 1})`);
  return { chunk, next: i };
}
