// Reducer throughput (MB/s, in a child process and as the whole compiled CLI) and peak RSS on a
// generated bundle of >= 200 MB, next to JSON.parse of the same bytes. Peak RSS is measured in child processes (node + tsx) on 0 %, 25 %, 50 % and 100 %
// prefixes of the bundle, and once with a capped V8 heap, to show memory follows the graph, not the
// payload bytes. Target: >= 100 MB/s.
// Everything is generated under os.tmpdir() and deleted at the end.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reduceBundle, startRolloutRecorder, writeStateFile } from "../src/rollout-trace/index.js";
import {
  DEFAULT_MAX_JSON_DEPTH,
  assertNoSymlinks,
  jsonDepthExceeds,
} from "../src/rollout-trace/reducer/limits.js";
import { SPOOL_MAIN, requireBuild, timeProcess } from "./support/process-timing.js";
import { filler } from "./support/filler.js";

const MB = 1048576;
const TARGET_BYTES = 210 * MB;
const THREAD = "01a20752-0000-7000-8000-00000000be0d";

// Child modes: measure one reduction (or a naive parse-everything load) in a clean process.
if (process.argv[2] === "--reduce") {
  const t0 = performance.now();
  const r = await reduceBundle(process.argv[3]!);
  writeStateFile(r.state, process.argv[4]!);
  const ms = performance.now() - t0;
  console.log(
    JSON.stringify({ ms, bytes: r.bytesRead, events: r.events, maxRssKb: process.resourceUsage().maxRSS }),
  );
  process.exit(0);
}
if (process.argv[2] === "--parse-all") {
  const dir = process.argv[3]!;
  const kept: unknown[] = [];
  for (const line of readFileSync(join(dir, "trace.jsonl"), "utf8").split("\n"))
    if (line) kept.push(JSON.parse(line));
  for (const f of readdirSync(join(dir, "payloads")))
    kept.push(JSON.parse(readFileSync(join(dir, "payloads", f), "utf8")));
  console.log(JSON.stringify({ items: kept.length, maxRssKb: process.resourceUsage().maxRSS }));
  process.exit(0);
}

/** One root session: every request re-sends the whole history (as Codex does), so payload bytes grow quadratically. */
async function generate(root: string): Promise<string> {
  const rec = startRolloutRecorder({ root, rootThreadId: THREAD, durability: "flush", signalHooks: false });
  const thread = rec.startThread({ threadId: THREAD, agentPath: "/root" });
  const history: unknown[] = [
    {
      type: "message",
      id: "msg_dev",
      role: "developer",
      content: [{ type: "input_text", text: filler(0, 24_000) }],
    },
  ];
  let bytes = 0;
  for (let t = 0; bytes < TARGET_BYTES; t++) {
    const turn = thread.startTurn(`turn-${t}`);
    const user = {
      type: "message",
      id: `msg_u${t}`,
      role: "user",
      content: [{ type: "input_text", text: filler(t, 300) }],
    };
    history.push(user);
    turn.historyItemAccepted(`msg_u${t}`);
    for (let round = 0; round < 4; round++) {
      const input = [...history];
      const requestText = JSON.stringify(input);
      bytes += requestText.length;
      const inf = turn.startInference({
        model: "gpt-bench",
        providerName: "bench",
        request: { model: "gpt-bench", input },
      });
      const callId = `call_${t}_${round}`;
      const out =
        round < 3
          ? {
              type: "function_call",
              id: `fc_${t}_${round}`,
              name: "exec_command",
              call_id: callId,
              arguments: `{"cmd":"cat f${round}"}`,
            }
          : {
              type: "message",
              id: `msg_a${t}`,
              role: "assistant",
              content: [{ type: "output_text", text: filler(t + 1, 1000) }],
            };
      inf.completed({
        responseId: `resp_${t}_${round}`,
        upstreamRequestId: `req_${t}_${round}`,
        tokenUsage: {
          inputTokens: requestText.length >> 2,
          cachedInputTokens: 0,
          cacheWriteInputTokens: 0,
          outputTokens: 50,
          reasoningOutputTokens: 0,
          totalTokens: 0,
        },
        outputItems: [out],
      });
      history.push(out);
      turn.historyItemAccepted(out.id);
      if (round < 3) {
        const tool = turn.startToolCall({
          toolCallId: callId,
          modelVisibleCallId: callId,
          toolName: "exec_command",
          invocation: { type: "function", arguments: `{"cmd":"cat f${round}"}` },
        });
        const output = filler(t * 3 + round, 4000);
        tool.terminalStarted({
          processId: `${t * 10 + round}`,
          command: ["bash", "-lc", `cat f${round}`],
          cwd: "/w",
        });
        tool.terminalEnded({
          processId: `${t * 10 + round}`,
          exitCode: 0,
          aggregatedOutput: output,
          durationMs: 3,
          status: "completed",
        });
        const fco = { type: "function_call_output", id: `fco_${t}_${round}`, call_id: callId, output };
        tool.ended("completed", {
          type: "direct_response",
          response_item: { type: "function_call_output", call_id: callId, output },
        });
        history.push(fco);
        turn.historyItemAccepted(fco.id);
      }
    }
    turn.ended("completed");
    await rec.flush();
  }
  thread.ended("completed");
  await rec.end("completed");
  return rec.bundleDir!;
}

function bundleSize(dir: string): { bytes: number; files: number } {
  let bytes = statSync(join(dir, "trace.jsonl")).size;
  const names = readdirSync(join(dir, "payloads"));
  for (const f of names) bytes += statSync(join(dir, "payloads", f)).size;
  return { bytes, files: names.length };
}

/**
 * A bundle holding the first `fraction` of the events, payloads shared through hard links (the
 * reducer refuses symlinks in a bundle).
 */
function prefixBundle(full: string, fraction: number, dest: string): string {
  mkdirSync(dest);
  copyFileSync(join(full, "manifest.json"), join(dest, "manifest.json"));
  mkdirSync(join(dest, "payloads"));
  for (const f of readdirSync(join(full, "payloads")))
    linkSync(join(full, "payloads", f), join(dest, "payloads", f));
  const lines = readFileSync(join(full, "trace.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l);
  writeFileSync(
    join(dest, "trace.jsonl"),
    lines.slice(0, Math.floor(lines.length * fraction)).join("\n") + "\n",
  );
  return dest;
}

function child(args: string[], nodeFlags: string[] = []): Record<string, number> {
  const r = spawnSync(process.execPath, [...nodeFlags, "--import", "tsx", import.meta.filename, ...args], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>;
}

requireBuild();
const work = mkdtempSync(join(tmpdir(), "spool-bench-reducer-"));
try {
  let t0 = performance.now();
  const bundle = await generate(join(work, "root"));
  const genMs = performance.now() - t0;
  const { bytes, files } = bundleSize(bundle);
  console.log(
    `generated ${(bytes / MB).toFixed(1)} MB bundle (${files} payload files) in ${(genMs / 1000).toFixed(1)} s`,
  );

  // Baseline: JSON.parse of the same bytes (each line and each payload file), in this process.
  t0 = performance.now();
  let parsedBytes = 0;
  for (const line of readFileSync(join(bundle, "trace.jsonl"), "utf8").split("\n")) {
    if (line) JSON.parse(line);
    parsedBytes += line.length + 1;
  }
  for (const f of readdirSync(join(bundle, "payloads"))) {
    const text = readFileSync(join(bundle, "payloads", f), "utf8");
    JSON.parse(text);
    parsedBytes += text.length;
  }
  const parseMs = performance.now() - t0;
  const parseRate = parsedBytes / MB / (parseMs / 1000);
  console.log(`JSON.parse baseline (read + parse every line and payload): ${parseRate.toFixed(0)} MB/s`);

  // The hostile-bundle checks' added work, timed alone: the depth scan of every line and payload
  // text (already in memory, as the reducer has it before JSON.parse) and the lstat walk.
  const texts = readFileSync(join(bundle, "trace.jsonl"), "utf8").split("\n");
  for (const f of readdirSync(join(bundle, "payloads")))
    texts.push(readFileSync(join(bundle, "payloads", f), "utf8"));
  t0 = performance.now();
  assertNoSymlinks(bundle);
  for (const text of texts) jsonDepthExceeds(text, DEFAULT_MAX_JSON_DEPTH);
  const checkMs = performance.now() - t0;
  t0 = performance.now();
  for (const text of texts) if (text) JSON.parse(text);
  const parseOnlyMs = performance.now() - t0;
  texts.length = 0;

  const full = child(["--reduce", bundle, join(work, "state.json")]);
  const stateBytes = statSync(join(work, "state.json")).size;
  const rate = full.bytes! / MB / (full.ms! / 1000);
  console.log(
    `reducer (stream + read payloads + reduce + write state.json): ${rate.toFixed(0)} MB/s ` +
      `(${(full.ms! / 1000).toFixed(2)} s, ${full.events} events), ${(rate / parseRate).toFixed(2)}× JSON.parse; ` +
      `target >= 100 MB/s: ${rate >= 100 ? "met" : "NOT met"}; state.json ${(stateBytes / MB).toFixed(1)} MB`,
  );
  console.log(
    `hostile-bundle checks (depth scan + lstat walk, texts in memory): ${(checkMs / 1000).toFixed(2)} s = ` +
      `${((100 * checkMs) / full.ms!).toFixed(1)} % of the reduction's time; ` +
      `${(checkMs / parseOnlyMs).toFixed(2)}× JSON.parse of the same texts (${(parseOnlyMs / 1000).toFixed(2)} s)`,
  );

  // The same bundle through the compiled CLI, as a user runs it: start-up, reduce, state.json, summary.
  const whole = timeProcess(
    process.execPath,
    [SPOOL_MAIN, "debug", "trace-reduce", bundle, "-o", join(work, "state-cli.json")],
    1,
  );
  const wholeRate = full.bytes! / MB / (whole.median / 1000);
  console.log(
    `spool debug trace-reduce, whole process: ${wholeRate.toFixed(0)} MB/s (${(whole.median / 1000).toFixed(2)} s), ` +
      `${(wholeRate / parseRate).toFixed(2)}× JSON.parse; target >= 100 MB/s: ${wholeRate >= 100 ? "met" : "NOT met"}`,
  );

  console.log("peak RSS by prefix of the same bundle (payload bytes grow, RSS should not follow them):");
  for (const fraction of [0, 0.25, 0.5, 1]) {
    const dir = fraction === 1 ? bundle : prefixBundle(bundle, fraction, join(work, `prefix-${fraction}`));
    const r = fraction === 1 ? full : child(["--reduce", dir, join(work, `state-${fraction}.json`)]);
    console.log(
      `  ${String(fraction * 100).padStart(3)} %: ${(r.bytes! / MB).toFixed(0).padStart(4)} MB read, reducer peak RSS ${(r.maxRssKb! / 1024).toFixed(0)} MB`,
    );
  }
  // V8 grows its heap lazily, so peak RSS overstates what the reducer needs; capping the old space
  // shows the real bound: the whole bundle still reduces in a heap far smaller than its payloads.
  const capped = child(["--reduce", bundle, join(work, "state-capped.json")], ["--max-old-space-size=40"]);
  console.log(
    `  100 % with V8 old space capped at 40 MB: completes, peak RSS ${(capped.maxRssKb! / 1024).toFixed(0)} MB ` +
      `(${(capped.bytes! / MB / (capped.ms! / 1000)).toFixed(0)} MB/s)`,
  );
  const naive = child(["--parse-all", bundle]);
  console.log(
    `  naive load (JSON.parse every file and keep it): peak RSS ${(naive.maxRssKb! / 1024).toFixed(0)} MB`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
