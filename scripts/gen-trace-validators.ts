// Compiles the zod schemas of a trace bundle's manifest and event lines (src/rollout-trace/schema.ts)
// into plain validating functions, written to src/rollout-trace/reducer/trace-validators.generated.ts.
//
// Why: importing zod costs `spool debug trace-reduce` about 50 ms of its 150 ms budget. The
// generated functions accept exactly what the zod schemas accept and return the same value zod
// returns (unknown keys stripped, keys in schema order, defaults filled in), plus the payload refs
// the event carries; on any mismatch they return undefined and the reducer asks zod itself (loaded
// only then) for the error message. test/trace-validators.test.ts checks both claims and that this
// file is up to date.
//
// Run: npm run gen:validators
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import {
  ManifestSchema,
  RawPayloadRefSchema,
  RawPayloadRefV3Schema,
  RawTraceEventSchema,
  RawTraceEventV3Schema,
} from "../src/rollout-trace/schema.js";

export const GENERATED_PATH = fileURLToPath(
  new URL("../src/rollout-trace/reducer/trace-validators.generated.ts", import.meta.url),
);

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  items?: z.ZodType[];
  rest?: z.ZodType | null;
  getter?: () => z.ZodType;
  discriminator?: string;
  entries?: Record<string, string>;
  values?: unknown[];
  checks?: { _zod: { def: { check: string; format?: string; value?: number; inclusive?: boolean } } }[];
  defaultValue?: unknown;
};
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Emits one function per distinct schema object; each returns the parsed value or `F` (failure). */
class Compiler {
  private readonly names = new Map<z.ZodType, string>();
  private readonly functions: string[] = [];
  private readonly sets: string[] = [];

  constructor(private readonly refSchemas: ReadonlySet<z.ZodType>) {}

  fn(schema: z.ZodType): string {
    const known = this.names.get(schema);
    if (known) return known;
    const name = `v${this.names.size}`;
    this.names.set(schema, name);
    const body = this.body(schema);
    if (this.refSchemas.has(schema)) {
      // Every payload ref is collected as it is validated, in field order; a ref's fragment parts
      // (refs inside a ref) are not the event's own.
      this.functions.push(`function ${name}_(x, refs) {\n${body}\n}`);
      this.functions.push(
        [
          `function ${name}(x, refs) {`,
          `  refDepth++;`,
          `  const out = ${name}_(x, refs);`,
          `  refDepth--;`,
          `  if (out !== F && refDepth === 0) refs.push(out);`,
          `  return out;`,
          `}`,
        ].join("\n"),
      );
    } else {
      this.functions.push(`function ${name}(x, refs) {\n${body}\n}`);
    }
    return name;
  }

  private body(schema: z.ZodType): string {
    const d = defOf(schema);
    switch (d.type) {
      case "string":
        return `    return typeof x === "string" ? x : F;`;
      case "number": {
        const conditions = (d.checks ?? []).map((c) => {
          const check = c._zod.def;
          if (check.check === "number_format" && check.format === "safeint") return "Number.isSafeInteger(x)";
          if (check.check === "greater_than") return `x ${check.inclusive ? ">=" : ">"} ${check.value}`;
          throw new Error(`unsupported number check ${JSON.stringify(check)}`);
        });
        if (!conditions[0]?.startsWith("Number.isSafeInteger"))
          throw new Error("only integers are supported");
        return `    return ${conditions.join(" && ")} ? x : F;`;
      }
      case "lazy":
        return `    return ${this.fn(d.getter!())}(x, refs);`;
      case "tuple": {
        if (d.rest) throw new Error("tuples with a rest element are not supported");
        const items = d.items!.map(
          (item, i) => `    v = ${this.fn(item)}(x[${i}], refs); if (v === F) return F; t[${i}] = v;`,
        );
        return [
          `    if (!Array.isArray(x) || x.length !== ${d.items!.length}) return F;`,
          `    const t = new Array(${d.items!.length});`,
          `    let v;`,
          ...items,
          `    return t;`,
        ].join("\n");
      }
      case "unknown":
        return `    return x;`;
      case "enum":
      case "literal": {
        const values = d.type === "enum" ? Object.values(d.entries!) : d.values!;
        if (values.length === 1) return `    return x === ${JSON.stringify(values[0])} ? x : F;`;
        const set = `S${this.sets.length}`;
        this.sets.push(`const ${set} = new Set(${JSON.stringify(values)});`);
        return `    return ${set}.has(x) ? x : F;`;
      }
      case "nullable":
        return `    return x === null ? null : ${this.fn(d.innerType!)}(x, refs);`;
      case "optional":
        return `    return x === undefined ? undefined : ${this.fn(d.innerType!)}(x, refs);`;
      case "default":
        return `    return x === undefined ? ${JSON.stringify(d.defaultValue)} : ${this.fn(d.innerType!)}(x, refs);`;
      case "array": {
        const el = this.fn(d.element!);
        return [
          `    if (!Array.isArray(x)) return F;`,
          `    const a = new Array(x.length);`,
          `    for (let i = 0; i < x.length; i++) { const v = ${el}(x[i], refs); if (v === F) return F; a[i] = v; }`,
          `    return a;`,
        ].join("\n");
      }
      case "object": {
        const lines = [`    if (!isObject(x)) return F;`, `    const o = {};`, `    let v;`];
        for (const [key, field] of Object.entries(d.shape!)) {
          const k = JSON.stringify(key);
          const fd = defOf(field);
          // zod leaves a key out of its output when the input lacks it and the schema lets it be absent.
          const mayBeAbsent = fd.type === "optional" || fd.type === "unknown";
          lines.push(
            mayBeAbsent
              ? `    if (${k} in x) { v = ${this.fn(field)}(x[${k}], refs); if (v === F) return F; o[${k}] = v; }`
              : `    v = ${this.fn(field)}(x[${k}], refs); if (v === F) return F; o[${k}] = v;`,
          );
        }
        lines.push(`    return o;`);
        return lines.join("\n");
      }
      case "union": {
        if (d.discriminator === undefined) throw new Error("only discriminated unions are supported");
        const key = JSON.stringify(d.discriminator);
        const cases = d.options!.map((option) => {
          const tag = defOf(defOf(option).shape![d.discriminator!]!);
          return `      case ${JSON.stringify(tag.values![0])}: return ${this.fn(option)}(x, refs);`;
        });
        return [
          `    if (!isObject(x)) return F;`,
          `    switch (x[${key}]) {`,
          ...cases,
          `      default: return F;`,
          `    }`,
        ].join("\n");
      }
      default:
        throw new Error(`unsupported zod type ${d.type}`);
    }
  }

  source(): string {
    return [...this.sets, ...this.functions].join("\n\n");
  }
}

/** The generated module's text (deterministic; kept out of prettier by .prettierignore). */
export function generate(): string {
  const c = new Compiler(new Set([RawPayloadRefSchema, RawPayloadRefV3Schema]));
  const manifest = c.fn(ManifestSchema);
  const v2 = c.fn(RawTraceEventSchema);
  const v3 = c.fn(RawTraceEventV3Schema);
  const text = `// GENERATED by scripts/gen-trace-validators.ts from src/rollout-trace/schema.ts: do not edit.
// Run \`npm run gen:validators\` after changing a schema there (a test fails while this is stale).
/* eslint-disable */
// @ts-nocheck
import type { AnyPayloadRef, Manifest, RawTraceEvent } from "../schema.js";

const F = Symbol("invalid");
let refDepth = 0;
function isObject(x) {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

${c.source()}

/** ManifestSchema's parse, or undefined when zod would reject the value. */
export function validateManifest(x: unknown): Manifest | undefined {
  const out = ${manifest}(x, []);
  return out === F ? undefined : out;
}

/**
 * The parse of RawTraceEventSchema (schema 2) or RawTraceEventV3Schema (schema 3) and the event's
 * own payload refs in field order, or undefined when zod would reject the value.
 */
export function validateTraceEvent(
  x: unknown,
  schemaVersion: 2 | 3,
): { event: RawTraceEvent; refs: AnyPayloadRef[] } | undefined {
  const refs = [];
  const event = schemaVersion === 3 ? ${v3}(x, refs) : ${v2}(x, refs);
  return event === F ? undefined : { event, refs };
}
`;
  return text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(GENERATED_PATH, generate());
  console.log(`wrote ${GENERATED_PATH}`);
}
