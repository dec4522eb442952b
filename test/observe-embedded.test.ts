import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { ObserveStore, traceView } from "../src/observe/index.js";
import { spanRecordsFromOtlpMessage } from "../src/observe/otlp-proto-records.js";
import { spanRecordsFromReadable } from "../src/observe/readable-span-records.js";
import { decodeOtlpProtobufMessage } from "../src/otlp-receiver/index.js";
import { recordTurnSpans } from "./support/observe.js";
import { MAIN } from "./support/spawned-servers.js";

/** Runs one short stdio session (initialize, model/list) against `spool app-server` with SPOOL_HOME=home. */
async function session(home: string, env: NodeJS.ProcessEnv = {}, args: string[] = []) {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OTEL_")) clean[k] = v;
  const proc = spawn(process.execPath, [MAIN, "app-server", ...args], {
    env: { ...clean, SPOOL_HOME: home, RUST_LOG: "warn", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const answers: Record<string, unknown>[] = [];
  createInterface({ input: proc.stdout }).on("line", (l) =>
    answers.push(JSON.parse(l) as Record<string, unknown>),
  );
  const exit = new Promise<number | null>((resolve) => proc.on("exit", resolve));
  const send = (m: unknown) => proc.stdin.write(JSON.stringify(m) + "\n");
  send({ id: 1, method: "initialize", params: { clientInfo: { name: "embedded_e2e", version: "1.0.0" } } });
  send({ method: "initialized" });
  send({ id: 2, method: "model/list", params: {} });
  const waitFor = async () => {
    for (let i = 0; i < 200 && answers.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
  };
  await waitFor();
  proc.stdin.end();
  return { code: await exit, stderr, answers };
}

test("with no exporter configured, app-server writes its spans into the observe store, read back with parentage", async () => {
  const home = mkdtempSync(join(tmpdir(), "spool-embedded-"));
  try {
    const { code, answers } = await session(home);
    assert.equal(code, 0);
    assert.equal(answers.length, 2);
    const store = ObserveStore.open(join(home, "observe.sqlite"), { readonly: true });
    try {
      const rows = store.db
        .prepare(
          "SELECT trace_id, name, kind, json_extract(attributes, '$.\"app_server.client_name\"') AS client FROM spans ORDER BY start_ns",
        )
        .all() as { trace_id: string; name: string; kind: number; client: string }[];
      const methods = rows.filter((r) => r.kind === 2).map((r) => [r.name, r.client]);
      assert.deepEqual(methods, [
        ["initialize", "embedded_e2e"],
        ["model/list", "embedded_e2e"],
      ]);
      const view = traceView(store, rows.find((r) => r.name === "model/list")!.trace_id)!;
      assert.equal(view.spans[0]!.name, "model/list");
      assert.equal(view.spans[0]!.depth, 0);
    } finally {
      store.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("OTEL_SDK_DISABLED=true and [observe] embedded = false write nothing", async () => {
  const home = mkdtempSync(join(tmpdir(), "spool-embedded-off-"));
  try {
    assert.equal((await session(home, { OTEL_SDK_DISABLED: "true" })).code, 0);
    assert.equal((await session(home, {}, ["-c", "observe.embedded=false"])).code, 0);
    assert.equal(existsSync(join(home, "observe.sqlite")), false);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("a store that cannot be opened costs one warning; the session is answered and exits cleanly", async () => {
  const home = mkdtempSync(join(tmpdir(), "spool-embedded-bad-"));
  try {
    writeFileSync(join(home, "observe.sqlite"), "this is not a database, it is a text file of some length");
    const { code, answers, stderr } = await session(home);
    assert.equal(code, 0);
    assert.equal(answers.length, 2);
    assert.ok(answers.every((a) => "result" in a));
    const warnings = stderr.split("\n").filter((l) => /WARN/.test(l));
    assert.equal(warnings.length, 1, stderr);
    assert.match(
      warnings[0]!,
      /spool_observe::embedded: cannot write to the observe store.*file is not a database/,
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("the embedded store's span records are the ones the same spans yield over OTLP protobuf", async () => {
  const spans = recordTurnSpans({ failTurn: true });
  const body = ProtobufTraceSerializer.serializeRequest(spans)!;
  const { records, rejected } = spanRecordsFromOtlpMessage(
    await decodeOtlpProtobufMessage("/v1/traces", body),
  );
  assert.equal(rejected, 0);
  const direct = spanRecordsFromReadable(spans);
  assert.equal(direct.length, 8);
  assert.deepEqual(direct, records);
});
