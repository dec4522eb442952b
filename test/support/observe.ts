import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpanKind, SpanStatusCode, context, trace, type Span } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { startObserveServer, type ObserveServer } from "../../src/observe/index.js";

/** An observe server over a fresh store in a temp dir; `dispose()` closes and removes both. */
export async function startTestObserveServer(
  options: { traceRoots?: string[]; maxBodyBytes?: number; maxDecodedBytes?: number; maxBytes?: number } = {},
): Promise<ObserveServer & { dir: string; storePath: string; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "spool-observe-"));
  const storePath = join(dir, "observe.sqlite");
  const server = await startObserveServer({
    storePath,
    otlpPort: 0,
    uiPort: 0,
    traceRoots: options.traceRoots ?? [],
    retention: { maxAgeMs: 7 * 24 * 3600_000, maxBytes: options.maxBytes ?? 1 << 30 },
    otlp: { maxBodyBytes: options.maxBodyBytes, maxDecodedBytes: options.maxDecodedBytes },
  });
  return Object.assign(server, {
    dir,
    storePath,
    async dispose() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** Exports spans through an official exporter and resolves with the SDK's export result. */
export function exportSpans(
  exporter: SpanExporter,
  spans: ReadableSpan[],
): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/**
 * A turn-shaped span tree like Codex's (request → dispatch → turn → model request and tool
 * call), recorded with the real SDK: `turn/start` SERVER span, `session_task.turn` with thread
 * and turn ids and token usage, a `codex.turn_ttft` event, `exec_command` with a child process
 * span, and a span in parallel with the model call. Returns the finished spans, children first (the order an exporter sees them).
 */
export function recordTurnSpans(
  opts: { threadId?: string; turnId?: string; serviceName?: string; failTurn?: boolean } = {},
): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": opts.serviceName ?? "spool" }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer("spool-test");
  const threadId = opts.threadId ?? "thr_1";
  const turnId = opts.turnId ?? "turn_1";
  const t0 = Date.now() - 5_000;
  const at = (ms: number) => new Date(t0 + ms);
  const child = (
    parent: Span,
    name: string,
    start: number,
    attrs: Record<string, string | number | boolean> = {},
  ) =>
    tracer.startSpan(
      name,
      { startTime: at(start), attributes: attrs },
      trace.setSpan(context.active(), parent),
    );
  const request = tracer.startSpan("turn/start", {
    kind: SpanKind.SERVER,
    startTime: at(0),
    attributes: {
      "rpc.method": "turn/start",
      "app_server.client_name": "spool-test-client",
      "turn.id": turnId,
    },
  });
  const dispatch = child(request, "op.dispatch.turn_input", 1, { "codex.op": "turn_input" });
  const turn = child(dispatch, "session_task.turn", 2, {
    "thread.id": threadId,
    "turn.id": turnId,
    model: "gpt-test",
  });
  const model = child(turn, "model_client.stream_responses_api", 10, {
    "conversation.id": threadId,
    model: "gpt-test",
  });
  const attempt = child(model, "responses.stream_request", 11, { attempt: 1 });
  attempt.end(at(300));
  // Runs beside the model call and ends first: never on the critical path.
  child(turn, "consume_startup_prewarm", 12).end(at(200));
  model.addEvent("codex.turn_ttft", { duration_ms: 120 }, at(130));
  model.end(at(310));
  const tool = child(turn, "exec_command", 320, { call_id: "call_1", tool_name: "exec_command" });
  const proc = child(tool, "codex.process.spawn", 330);
  proc.end(at(700));
  tool.end(at(710));
  turn.setAttributes({
    "codex.turn.token_usage.input_tokens": 1200,
    "codex.turn.token_usage.output_tokens": 25,
    "codex.turn.token_usage.total_tokens": 1225,
  });
  if (opts.failTurn) turn.setStatus({ code: SpanStatusCode.ERROR });
  turn.end(at(900));
  dispatch.end(at(5));
  request.end(at(6));
  return memory.getFinishedSpans().slice();
}

/** The real Codex 0.169 session recorded by scripts/record-codex-otlp.mjs. */
export const CODEX_FIXTURE = fileURLToPath(new URL("../fixtures/observe/codex-0.169-otlp/", import.meta.url));

/** The real Codex 0.171 session, with its JSON stderr log (`stderr.log`), recorded the same way. */
export const CODEX_171_FIXTURE = fileURLToPath(
  new URL("../fixtures/observe/codex-0.171-otlp/", import.meta.url),
);

/** Posts the recorded Codex OTLP requests, in order, to an OTLP/HTTP receiver; returns their statuses. */
export async function replayCodexOtlp(otlpUrl: string, fixture = CODEX_FIXTURE): Promise<number[]> {
  const dir = join(fixture, "otlp");
  const statuses: number[] = [];
  for (const file of readdirSync(dir).sort()) {
    const signal = /^\d+-(traces|logs|metrics)\.pb$/.exec(file)?.[1];
    if (!signal) continue;
    const res = await fetch(`${otlpUrl}/v1/${signal}`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body: readFileSync(join(dir, file)),
    });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

/** A path under the repository's `test-output/` (git-ignored) for artifacts such as screenshots. */
export function testOutputPath(name: string): string {
  const dir = fileURLToPath(new URL("../../test-output/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
