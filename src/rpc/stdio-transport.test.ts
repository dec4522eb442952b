import { test } from "node:test";
import assert from "node:assert/strict";
import { LineSplitter } from "./stdio-transport.js";

function split(max: number, chunks: string[]) {
  const lines: string[] = [];
  const oversized: number[] = [];
  const s = new LineSplitter(
    max,
    (l) => lines.push(l),
    (n) => oversized.push(n),
  );
  for (const c of chunks) s.push(Buffer.from(c));
  s.end();
  return { lines, oversized };
}

test("lines split across chunks are reassembled and CRLF is trimmed", () => {
  const { lines } = split(100, ['{"a":', "1}\r\n{", '"b":2}\n', "\n", '{"c":3}']);
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
});

test("a line over the limit is discarded, reported once with its size, and the next line is delivered", () => {
  const { lines, oversized } = split(10, ["x".repeat(8), "y".repeat(8), "z\n", "ok\n"]);
  assert.deepEqual(lines, ["ok"]);
  assert.deepEqual(oversized, [17]);
});

test("multi-byte characters split between chunks decode intact", () => {
  const bytes = Buffer.from('"héllo ✓"\n');
  const lines: string[] = [];
  const s = new LineSplitter(
    100,
    (l) => lines.push(l),
    () => assert.fail("not oversized"),
  );
  s.push(bytes.subarray(0, 3));
  s.push(bytes.subarray(3, 11));
  s.push(bytes.subarray(11));
  assert.deepEqual(lines, ['"héllo ✓"']);
});
