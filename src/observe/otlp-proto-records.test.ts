import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeOtlpProtobuf, decodeOtlpProtobufMessage } from "../otlp-receiver/index.js";
import { spanRecordsFromOtlpMessage } from "./otlp-proto-records.js";
import { spanRecordsFromOtlp } from "./otlp-records.js";

const CODEX_TRACES = new URL(
  "../../test/fixtures/observe/codex-0.169-otlp/otlp/001-traces.pb",
  import.meta.url,
);

test("the protobuf fast path reads a real Codex export exactly as the OTLP/JSON reader does", async () => {
  const body = readFileSync(CODEX_TRACES);
  const fast = spanRecordsFromOtlpMessage(await decodeOtlpProtobufMessage("/v1/traces", body));
  const viaJson = spanRecordsFromOtlp(await decodeOtlpProtobuf("/v1/traces", body));
  assert.ok(fast.records.length > 100);
  assert.equal(fast.rejected, 0);
  assert.deepEqual(fast, viaJson);
});
