import { test } from "node:test";
import assert from "node:assert/strict";
import { compareUtf8, writePrettyJson } from "./json-text.js";

function pretty(value: unknown): string {
  let out = "";
  writePrettyJson(value, (c) => (out += c));
  return out;
}

test("maps are written with keys sorted as strings, even integer-like ones JS objects would reorder", () => {
  const m = new Map<string, unknown>([
    ["9", 1],
    ["10", 2],
    ["raw_payload:2", 3],
    ["raw_payload:10", 4],
  ]);
  assert.equal(
    pretty({ a: m }),
    '{\n  "a": {\n    "10": 2,\n    "9": 1,\n    "raw_payload:10": 4,\n    "raw_payload:2": 3\n  }\n}',
  );
});

test("plain values match JSON.stringify with 2-space indent, undefined members omitted, empty containers inline", () => {
  const value = { x: [1, { y: "a\nb" }], e: [], o: {}, skip: undefined, m: new Map([["k", { z: null }]]) };
  assert.equal(
    pretty(value),
    '{\n  "x": [\n    1,\n    {\n      "y": "a\\nb"\n    }\n  ],\n  "e": [],\n  "o": {},\n  "m": {\n    "k": {\n      "z": null\n    }\n  }\n}',
  );
  assert.equal(pretty(new Map()), "{}");
});

test("string order is UTF-8 byte order, also across surrogate pairs", () => {
  assert.ok(compareUtf8("a", "b") < 0);
  // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (F0 9F 98 80) by bytes, unlike UTF-16 code units.
  assert.ok(compareUtf8("\uff5e", "\u{1f600}") < 0);
  assert.ok("\uff5e" > "\u{1f600}");
});

/** A slow, obviously right pretty printer to compare the batched one against. */
function reference(value: unknown, depth = 0): string {
  const pad = (d: number) => "  ".repeat(d);
  const members = (pairs: [string, unknown][]): string => {
    const kept = pairs.filter(([, v]) => v !== undefined);
    if (kept.length === 0) return "{}";
    const body = kept.map(([k, v]) => `${pad(depth + 1)}${JSON.stringify(k)}: ${reference(v, depth + 1)}`);
    return `{\n${body.join(",\n")}\n${pad(depth)}}`;
  };
  if (value instanceof Map) return members([...value.entries()].sort(([a], [b]) => compareUtf8(a, b)));
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => `${pad(depth + 1)}${reference(v, depth + 1)}`).join(",\n")}\n${pad(depth)}]`;
  }
  if (value !== null && typeof value === "object") return members(Object.entries(value));
  return JSON.stringify(value);
}

test("big maps are written in batches that join seamlessly, index-like keys included, at any depth", () => {
  const m = new Map<string, unknown>();
  for (let i = 0; i < 700; i++) {
    const key = i % 97 === 0 ? String(i) : `item:${i}`;
    m.set(key, { n: i, tags: i % 2 ? [] : ["a", { deep: [i] }], skip: undefined, empty: {} });
  }
  const value = { top: 1, nested: { list: [1, 2], m }, last: new Map([["only", "x"]]) };
  assert.equal(pretty(value), reference(value));
  assert.equal(pretty(m), reference(m));
});
