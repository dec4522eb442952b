import { OFF_RANK, parseLevel } from "./log-level.js";

/** One `target=level` directive of a `RUST_LOG`-style filter. */
export interface LogDirective {
  target: string;
  rank: number;
}

export interface LogFilter {
  /** Maximum enabled rank for a target (0 = off). */
  maxRank(target: string): number;
  readonly invalid: string[];
}

/**
 * Parses `RUST_LOG` syntax: `level`, `target=level`, bare `target` (= trace). The most specific
 * (longest) matching target prefix wins. A `codex_…` directive also applies to `spool_…`, so
 * filters written for Codex select Spool's events.
 */
export function parseLogFilter(spec: string | undefined, defaultRank = parseLevel("info")!): LogFilter {
  const directives: LogDirective[] = [];
  const invalid: string[] = [];
  let fallback = defaultRank;
  for (const raw of (spec ?? "").split(",")) {
    const part = raw.trim();
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) {
      const rank = parseLevel(part);
      if (rank !== undefined) fallback = rank;
      else if (/^[A-Za-z0-9_:.-]+$/.test(part)) directives.push({ target: part, rank: parseLevel("trace")! });
      else invalid.push(part);
      continue;
    }
    const target = part.slice(0, eq).trim();
    const rank = parseLevel(part.slice(eq + 1));
    if (rank === undefined || target === "") {
      invalid.push(part);
      continue;
    }
    directives.push({ target, rank });
    if (target.startsWith("codex_"))
      directives.push({ target: `spool_${target.slice("codex_".length)}`, rank });
  }
  directives.sort((a, b) => b.target.length - a.target.length);
  return {
    invalid,
    maxRank(target: string): number {
      for (const d of directives) {
        if (
          target === d.target ||
          (target.startsWith(d.target) && /^(::|\.)/.test(target.slice(d.target.length)))
        ) {
          return d.rank;
        }
      }
      return fallback;
    },
  };
}

export const ALL_OFF: LogFilter = { invalid: [], maxRank: () => OFF_RANK };
