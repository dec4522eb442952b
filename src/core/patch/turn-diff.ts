import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import { relative } from "node:path";

/** One file's unified diff, git-style names relative to `cwd` (`/dev/null` for a missing side). */
export function unifiedDiff(
  cwd: string,
  path: string,
  before: string | null,
  after: string | null,
  afterPath: string = path,
): string {
  const a = before === null ? "/dev/null" : `a/${relative(cwd, path)}`;
  const b = after === null ? "/dev/null" : `b/${relative(cwd, afterPath)}`;
  return createTwoFilesPatch(a, b, before ?? "", after ?? "", undefined, undefined, {
    headerOptions: FILE_HEADERS_ONLY,
  });
}

/**
 * A turn's file changes, for `turn/diff/updated`: each path's contents before the turn first
 * touched it and now. The aggregated diff is one unified diff per changed path, in path order.
 */
export class TurnDiff {
  /** Absolute path → [contents before the turn, contents now] (null: absent). */
  private readonly files = new Map<string, [string | null, string | null]>();

  constructor(private readonly cwd: string) {}

  record(path: string, before: string | null, after: string | null): string {
    const known = this.files.get(path);
    this.files.set(path, [known ? known[0] : before, after]);
    return this.diff();
  }

  diff(): string {
    return [...this.files.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .filter(([, [before, after]]) => before !== after)
      .map(
        ([path, [before, after]]) =>
          `diff --git a/${relative(this.cwd, path)} b/${relative(this.cwd, path)}\n${unifiedDiff(this.cwd, path, before, after)}`,
      )
      .join("");
  }
}
