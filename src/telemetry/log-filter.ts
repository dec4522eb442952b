import { OFF_RANK, parseLevel } from "./log-level.js";
import type { LogFields } from "./log-types.js";

/** `[name{field=value,…}]` of a span-scoped directive; an empty name matches any span. */
export interface SpanMatcher {
  name: string;
  /** Field → expected value; `undefined` means the field only has to be present. */
  fields: Record<string, string | undefined>;
}

/** One directive of a `RUST_LOG`-style filter. An empty target matches every target. */
export interface LogDirective {
  target: string;
  span?: SpanMatcher;
  rank: number;
}

/** What a span looks like to the filter: its name and recorded fields. */
export interface FilterSpan {
  name: string;
  fields: LogFields;
}

export interface LogFilter {
  /** Rank enabled for a target by the directives without a span scope (0 = off). */
  maxRank(target: string): number;
  /** Highest rank any span-scoped directive could enable for the target (0 when none applies). */
  maxSpanRank(target: string): number;
  /** Rank enabled for a target inside the given span stack (root → leaf). */
  rankIn(target: string, spans: readonly FilterSpan[]): number;
  readonly directives: readonly LogDirective[];
  /** Directives that could not be parsed (ignored; the caller warns once). */
  readonly invalid: string[];
}

const TARGET_RE = /^[A-Za-z0-9_:.-]*$/;

/** Splits on commas outside `[...]` and `{...}`. */
function splitTopLevel(spec: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i];
    if (c === "[" || c === "{") depth++;
    else if ((c === "]" || c === "}") && depth > 0) depth--;
    else if (c === "," && depth === 0) {
      out.push(spec.slice(start, i));
      start = i + 1;
    }
  }
  out.push(spec.slice(start));
  return out;
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function parseSpanMatcher(text: string): SpanMatcher | undefined {
  const m = /^\s*([^{}\s]*)\s*(?:\{(.*)\})?\s*$/.exec(text);
  if (!m) return undefined;
  const fields: Record<string, string | undefined> = {};
  if (m[2] !== undefined && m[2].trim() !== "") {
    for (const part of m[2].split(",")) {
      const eq = part.indexOf("=");
      const key = (eq < 0 ? part : part.slice(0, eq)).trim();
      if (key === "") return undefined;
      fields[key] = eq < 0 ? undefined : unquote(part.slice(eq + 1));
    }
  }
  if (m[1] === "" && Object.keys(fields).length === 0) return undefined;
  return { name: m[1]!, fields };
}

function parseDirective(part: string): LogDirective | { level: number } | undefined {
  const m = /^([^[\]=]*)(?:\[([^\]]*)\])?\s*(?:=(.*))?$/.exec(part);
  if (!m) return undefined;
  const target = m[1]!.trim();
  const hasSpan = m[2] !== undefined;
  const levelText = m[3];
  if (!TARGET_RE.test(target)) return undefined;
  if (levelText === undefined && !hasSpan) {
    const level = parseLevel(target);
    if (level !== undefined) return { level };
    return target === "" ? undefined : { target, rank: parseLevel("trace")! };
  }
  const rank = levelText === undefined ? parseLevel("trace") : parseLevel(levelText);
  if (rank === undefined) return undefined;
  if (!hasSpan) return target === "" ? { level: rank } : { target, rank };
  const span = parseSpanMatcher(m[2]!);
  return span ? { target, span, rank } : undefined;
}

function targetMatches(directive: string, target: string): boolean {
  if (directive === "") return true;
  if (!target.startsWith(directive)) return false;
  if (target.length === directive.length) return true;
  const rest = target.slice(directive.length);
  return rest.startsWith("::") || rest.startsWith(".");
}

function spanMatches(matcher: SpanMatcher, span: FilterSpan): boolean {
  if (matcher.name !== "" && matcher.name !== span.name) return false;
  for (const [k, expected] of Object.entries(matcher.fields)) {
    const actual = span.fields[k];
    if (actual === undefined || actual === null) return false;
    if (expected !== undefined && String(actual) !== expected) return false;
  }
  return true;
}

/**
 * Parses `RUST_LOG` syntax (spec/timing-events.md §2): `level`, `target=level`, bare `target`
 * (= trace), `target[span{field=value}]=level`, `[span]=level`, `off`. Among directives without
 * a span scope the most specific (longest) target prefix wins, later directives breaking ties.
 * Span-scoped directives apply only inside a matching span and, as in tracing's `EnvFilter`, add
 * to what the static directives enable. A `codex_…` directive also applies to `spool_…`, so
 * filters written for Codex select Spool's events.
 */
export function parseLogFilter(spec: string | undefined, defaultRank = parseLevel("info")!): LogFilter {
  const directives: LogDirective[] = [];
  const invalid: string[] = [];
  let fallback = defaultRank;
  for (const raw of splitTopLevel(spec ?? "")) {
    const part = raw.trim();
    if (part === "") continue;
    const d = parseDirective(part);
    if (d === undefined) {
      invalid.push(part);
      continue;
    }
    if ("level" in d) {
      fallback = d.level;
      continue;
    }
    directives.push(d);
    if (d.target.startsWith("codex_")) directives.push({ ...d, target: `spool_${d.target.slice(6)}` });
  }
  // Most specific first; for equal specificity the later directive wins.
  const order = directives.map((d, i) => ({ d, i }));
  const specificity = (d: LogDirective) => d.target.length * 1000 + Object.keys(d.span?.fields ?? {}).length;
  order.sort((a, b) => specificity(b.d) - specificity(a.d) || b.i - a.i);
  const statics = order.filter((o) => !o.d.span).map((o) => o.d);
  const dynamics = order.filter((o) => o.d.span).map((o) => o.d);
  const maxRank = (target: string): number => {
    for (const d of statics) if (targetMatches(d.target, target)) return d.rank;
    return fallback;
  };
  return {
    directives,
    invalid,
    maxRank,
    maxSpanRank(target) {
      let best = OFF_RANK;
      for (const d of dynamics) if (targetMatches(d.target, target) && d.rank > best) best = d.rank;
      return best;
    },
    rankIn(target, spans) {
      let rank = maxRank(target);
      if (spans.length === 0) return rank;
      for (const d of dynamics) {
        if (d.rank <= rank || !targetMatches(d.target, target)) continue;
        if (spans.some((s) => spanMatches(d.span!, s))) rank = d.rank;
      }
      return rank;
    },
  };
}

export const ALL_OFF: LogFilter = {
  directives: [],
  invalid: [],
  maxRank: () => OFF_RANK,
  maxSpanRank: () => OFF_RANK,
  rankIn: () => OFF_RANK,
};
