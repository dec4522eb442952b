import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reduceBundle, stateJson } from "../src/rollout-trace/index.js";
import type { ModelScriptInput } from "../src/model-server/index.js";
import { killSpawned } from "./support/spawned-servers.js";
import { bundleOf, handshake, runTurn, startCoreSession } from "./support/core-server.js";

after(killSpawned);

// A whole app-server session (not a recorder driven by hand): the model calls two tools in
// parallel, then answers. Its bundle must be one the real Codex of that schema reduces to the
// same state.json as Spool.
const SCRIPT: ModelScriptInput = {
  responses: [
    {
      output: [
        { type: "function_call", name: "exec_command", arguments: { cmd: "echo one" } },
        { type: "function_call", name: "shell_command", arguments: { command: "echo two" } },
      ],
    },
    { output: [{ type: "message", text: "Both ran: {{function_call_output}}" }] },
  ],
};

// The real Codex releases, where this machine has them (a fresh clone has none: the test says so).
const codex = (v: string): string => join("/work/peers", `codex-${v}`, "node_modules", ".bin", "codex");

async function recordSession(schema: 2 | 3): Promise<string> {
  const s = await startCoreSession({ script: SCRIPT, config: [`rollout_trace.schema=${schema}`] });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {
      approvalPolicy: "never",
      sandbox: "danger-full-access",
    });
    const { completed } = await runTurn(s, thread.id, "run both");
    assert.equal((completed.params.turn as { status: string }).status, "completed");
    assert.equal(await s.stop(), 0, s.server.stderr());
    return bundleOf(s.traceRoot, thread.id);
  } finally {
    await s.model.close();
  }
}

describe("a Spool session's bundle reduces the same in Spool and in the Codex of its schema", () => {
  for (const [schema, version] of [
    [2, "0.169"],
    [3, "0.171"],
  ] as const) {
    test(`schema ${schema}: two parallel tool calls with their terminal operations; Codex ${version} agrees byte for byte`, async (t) => {
      const bundle = await recordSession(schema);
      const manifest = JSON.parse(readFileSync(join(bundle, "manifest.json"), "utf8")) as {
        schema_version: number;
      };
      assert.equal(manifest.schema_version, schema);
      const { state } = await reduceBundle(bundle);
      const calls = [...state.tool_calls.values()];
      assert.deepEqual(
        calls.map((c) => c.execution.status),
        ["completed", "completed"],
      );
      assert.ok(calls.every((c) => c.terminal_operation_id !== null));
      assert.equal(state.terminal_operations.size, 2);
      const inferences = [...state.inference_calls.values()];
      assert.equal(inferences.length, 2);
      assert.deepEqual(inferences[0]!.tool_call_ids_started_by_response.length, 2);
      for (const call of inferences) {
        assert.match(call.upstream_request_id ?? "", /\S/, "x-request-id kept");
        assert.match(call.response_id ?? "", /\S/, "response id kept");
        assert.notEqual(call.upstream_request_id, call.response_id);
      }
      if (!existsSync(codex(version))) return t.skip(`no ${codex(version)} on this machine`);
      const out = join(mkdtempSync(join(tmpdir(), "spool-peer-reduce-")), "state.json");
      execFileSync(codex(version), ["debug", "trace-reduce", bundle, "-o", out], { stdio: "pipe" });
      assert.equal(stateJson(state), readFileSync(out, "utf8"));
    });
  }
});
