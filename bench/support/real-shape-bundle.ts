// A rollout-trace bundle of the shape a real Codex session leaves: tool-calling turns with two
// inference calls and one exec tool call each, requests chained by previous_response_id (as over
// the Responses WebSocket), protocol events around each turn, payloads of 1-60 KB. Written with
// Spool's own recorder, so the bundle is what Spool itself would record.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { startRolloutRecorder } from "../../src/rollout-trace/index.js";
import { filler } from "./filler.js";

const THREAD = "01a20752-0000-7000-8000-0000000000a1";

/** Tool output sizes spread over 1-60 KB like a mix of `ls`, `cat` and test runs. */
function outputBytes(turn: number): number {
  return 2000 + ((turn * 7919) % 59) * 1000;
}

export interface BundleFigures {
  dir: string;
  events: number;
  payloadFiles: number;
  bytes: number;
}

/** Records `turns` turns under `root` and returns the bundle directory and its size. */
export async function recordRealShapeBundle(root: string, turns = 80): Promise<BundleFigures> {
  const rec = startRolloutRecorder({ root, rootThreadId: THREAD, durability: "flush", signalHooks: false });
  const thread = rec.startThread({
    threadId: THREAD,
    agentPath: "/root",
    metadata: {
      nickname: null,
      cwd: "/work/project",
      model: "gpt-5.5",
      agent_path: "/root",
    } as never,
  });
  rec.protocolEvent("session_configured", { model: "gpt-5.5", cwd: "/work/project" });
  const developer = {
    type: "message",
    id: "msg_dev",
    role: "developer",
    content: [{ type: "input_text", text: filler(0, 24_000) }],
  };
  let previous: string | null = null;
  const usage = (n: number) => ({
    inputTokens: n,
    cachedInputTokens: n >> 1,
    cacheWriteInputTokens: 0,
    outputTokens: 40,
    reasoningOutputTokens: 10,
    totalTokens: n + 50,
  });
  for (let t = 0; t < turns; t++) {
    const turnId = `turn-${t}`;
    const turn = thread.startTurn(turnId);
    rec.protocolEvent("turn_started", { turn_id: turnId });
    const user = {
      type: "message",
      id: `msg_u${t}`,
      role: "user",
      content: [{ type: "input_text", text: filler(t, 400) }],
    };
    turn.historyItemAccepted(user.id);
    const callId = `call_${t}`;
    const fc = {
      type: "function_call",
      id: `fc_${t}`,
      name: "exec_command",
      call_id: callId,
      arguments: JSON.stringify({ cmd: `cat src/file-${t}.ts`, yield_time_ms: 5000 }),
    };
    const first = turn.startInference({
      model: "gpt-5.5",
      providerName: "openai",
      request:
        previous === null ? { input: [developer, user] } : { previous_response_id: previous, input: [user] },
    });
    first.completed({
      responseId: `resp_${t}_a`,
      upstreamRequestId: `req_${t}_a`,
      tokenUsage: usage(20_000 + t * 500),
      outputItems: [
        { type: "reasoning", id: `rs_${t}`, summary: [], encrypted_content: filler(t, 20_000) },
        fc,
      ],
    });
    turn.historyItemAccepted(fc.id);
    const output = filler(t * 3, outputBytes(t));
    const tool = turn.startToolCall({
      toolCallId: callId,
      modelVisibleCallId: callId,
      toolName: "exec_command",
      invocation: { type: "function", arguments: fc.arguments },
    });
    tool.terminalStarted({
      processId: `${1000 + t}`,
      command: ["bash", "-lc", `cat src/file-${t}.ts`],
      cwd: "/w",
    });
    tool.terminalEnded({
      processId: `${1000 + t}`,
      exitCode: 0,
      aggregatedOutput: output,
      durationMs: 12,
      status: "completed",
    });
    rec.protocolEvent("exec_command_end", { call_id: callId, exit_code: 0, aggregated_output: output });
    const fco = { type: "function_call_output", id: `fco_${t}`, call_id: callId, output };
    tool.ended("completed", {
      type: "direct_response",
      response_item: { type: "function_call_output", call_id: callId, output },
    });
    turn.historyItemAccepted(fco.id);
    const answer = {
      type: "message",
      id: `msg_a${t}`,
      role: "assistant",
      content: [{ type: "output_text", text: filler(t + 1, 800) }],
    };
    const second = turn.startInference({
      model: "gpt-5.5",
      providerName: "openai",
      request: { previous_response_id: `resp_${t}_a`, input: [fco] },
    });
    second.completed({
      responseId: `resp_${t}_b`,
      upstreamRequestId: `req_${t}_b`,
      tokenUsage: usage(21_000 + t * 500),
      outputItems: [answer],
    });
    turn.historyItemAccepted(answer.id);
    previous = `resp_${t}_b`;
    rec.protocolEvent("task_complete", { turn_id: turnId, last_agent_message: answer.content[0]!.text });
    turn.ended("completed");
  }
  thread.ended("completed");
  await rec.end("completed");
  const dir = rec.bundleDir!;
  const names = readdirSync(join(dir, "payloads"));
  let bytes = statSync(join(dir, "trace.jsonl")).size;
  for (const f of names) bytes += statSync(join(dir, "payloads", f)).size;
  const events = countLines(join(dir, "trace.jsonl"));
  return { dir, events, payloadFiles: names.length, bytes };
}

function countLines(file: string): number {
  return (readFileSync(file, "utf8").match(/\n/g) ?? []).length;
}
