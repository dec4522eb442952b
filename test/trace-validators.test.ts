// The generated trace validators (src/rollout-trace/reducer/trace-validators.generated.ts) must
// accept exactly what the zod schemas accept and return what zod returns; this compares them on
// every line of the fixture bundles and on thousands of mutations of those lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  ManifestSchema,
  RawTraceEventSchema,
  RawTraceEventV3Schema,
  payloadRefsOf,
  type RawTraceEventPayload,
} from "../src/rollout-trace/schema.js";
import {
  validateManifest,
  validateTraceEvent,
} from "../src/rollout-trace/reducer/trace-validators.generated.js";
import { GENERATED_PATH, generate } from "../scripts/gen-trace-validators.js";

const FIXTURES = join(import.meta.dirname, "fixtures", "rollout");
const bundles = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => join(FIXTURES, d.name));

/** Every event line of the fixture bundles, with the schema its bundle's manifest names. */
function fixtureEvents(): [unknown, 2 | 3][] {
  return bundles.flatMap((b) => {
    const version = (JSON.parse(readFileSync(join(b, "manifest.json"), "utf8")) as { schema_version: 2 | 3 })
      .schema_version;
    return readFileSync(join(b, "trace.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l): [unknown, 2 | 3] => [JSON.parse(l) as unknown, version]);
  });
}

const probes: unknown[] = [null, 0, -1, 1.5, 2 ** 53, "x", "", true, [], {}, ["x"]];

/** Variants of `value`: each member removed, replaced by each probe, an extra member, keys reversed. */
function* mutations(value: unknown, depth: number): Generator<unknown> {
  if (value === null || typeof value !== "object" || depth === 0) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      for (const m of mutations(value[i], depth - 1)) yield value.map((v, j) => (j === i ? m : v));
    yield [...value, {}];
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  yield Object.fromEntries(keys.reverse().map((k) => [k, obj[k]]));
  yield { ...obj, extra_key: { nested: 1 } };
  for (const k of Object.keys(obj)) {
    const { [k]: _removed, ...rest } = obj;
    void _removed;
    yield rest;
    for (const p of probes) yield { ...obj, [k]: p };
    for (const m of mutations(obj[k], depth - 1)) yield { ...obj, [k]: m };
  }
}

function sameAsZod(raw: unknown, version: 2 | 3): void {
  const zod = (version === 3 ? RawTraceEventV3Schema : RawTraceEventSchema).safeParse(raw);
  const ours = validateTraceEvent(raw, version);
  assert.equal(ours !== undefined, zod.success, `acceptance differs for ${JSON.stringify(raw)}`);
  if (ours && zod.success) {
    // Same keys in the same order, same values: compare the serialized text.
    assert.equal(JSON.stringify(ours.event), JSON.stringify(zod.data), JSON.stringify(raw));
    assert.deepEqual(ours.refs, payloadRefsOf(zod.data.payload as RawTraceEventPayload));
  }
}

test("the generated validators are up to date with the zod schemas (npm run gen:validators)", () => {
  assert.equal(readFileSync(GENERATED_PATH, "utf8"), generate());
});

test("on every fixture event the generated validator returns zod's value and the event's refs", () => {
  const events = fixtureEvents();
  assert.ok(events.length > 50);
  assert.ok(
    events.some(([, v]) => v === 3),
    "a schema-3 fixture is among them",
  );
  for (const [raw, version] of events) sameAsZod(raw, version);
});

test("on mutated events (members removed, retyped, added, reordered) it accepts and rejects what zod does", () => {
  let checked = 0;
  const seenTypes = new Set<string>();
  for (const [raw, version] of fixtureEvents()) {
    const type = `${version}:${(raw as { payload: { type: string } }).payload.type}`;
    if (seenTypes.has(type)) continue;
    seenTypes.add(type);
    for (const m of mutations(raw, 4)) {
      sameAsZod(m, version);
      checked++;
    }
  }
  assert.ok(checked > 1000, `only ${checked} mutations`);
});

test("manifests: the generated validator agrees with zod on the fixtures and their mutations", () => {
  for (const b of bundles) {
    const raw = JSON.parse(readFileSync(join(b, "manifest.json"), "utf8")) as unknown;
    for (const m of [raw, ...mutations(raw, 2)]) {
      const zod = ManifestSchema.safeParse(m);
      const ours = validateManifest(m);
      assert.equal(ours !== undefined, zod.success, JSON.stringify(m));
      if (ours && zod.success) assert.equal(JSON.stringify(ours), JSON.stringify(zod.data));
    }
  }
});
