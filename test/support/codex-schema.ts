import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";

// Checks values against Codex's own JSON Schema (codex-cli 0.169.0, experimental API), the files
// copied from ../shared/spec/codex-schema-experimental/v2/ into test/fixtures.
const DIR = new URL("../fixtures/codex-schema-experimental/v2/", import.meta.url);

const ajv = new Ajv({ strict: false, allErrors: false });
const intRange = (lo: number, hi: number) => ({
  type: "number" as const,
  validate: (n: number) => Number.isInteger(n) && n >= lo && n <= hi,
});
ajv.addFormat("int32", intRange(-(2 ** 31), 2 ** 31 - 1));
ajv.addFormat("int64", intRange(-Infinity, Infinity));
ajv.addFormat("uint16", intRange(0, 65535));
ajv.addFormat("uint32", intRange(0, 2 ** 32 - 1));
ajv.addFormat("uint", intRange(0, Infinity));
ajv.addFormat("uint64", intRange(0, Infinity));
ajv.addFormat("double", { type: "number", validate: () => true });

const compiled = new Map<string, ValidateFunction>();

/** Throws with Ajv's first errors unless `value` is a valid `<name>` (e.g. `GetAccountResponse`). */
export function assertCodexSchema(name: string, value: unknown): void {
  let v = compiled.get(name);
  if (!v) {
    const schema = JSON.parse(readFileSync(new URL(`${name}.json`, DIR), "utf8")) as Record<string, unknown>;
    delete schema.$schema;
    v = ajv.compile(schema);
    compiled.set(name, v);
  }
  if (!v(value)) {
    throw new Error(
      `not a valid ${name}: ${JSON.stringify(v.errors?.slice(0, 3))}\n${JSON.stringify(value)}`,
    );
  }
}
