import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpanKind } from "@opentelemetry/api";
import { startScriptedModelServer } from "../model-server/index.js";
import { startOtlpReceiver } from "../otlp-receiver/index.js";
import { formatSummary, reduceBundle, summarizeReduction } from "../rollout-trace/index.js";
import { defaultOtelSettings, installTelemetry, spanW3cTraceContext, startSpan } from "../telemetry/index.js";
import { spawnExecServer } from "./demo-exec-server.js";
import {
  reductionDetailLines,
  requestSpanLines,
  spanTreeLines,
  toolCallEventLine,
  toolCallEvents,
  childOutputLines,
  type Line,
} from "./demo-report.js";
import { DEMO_COMMANDS, DEMO_SCRIPT } from "./demo-script.js";
import { storeDemoTelemetry } from "./demo-store.js";
import { spawnAppServer } from "./spawn-client.js";

function randomCarrier(): { traceparent: string } {
  return { traceparent: `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01` };
}

/**
 * The demo session, offline: the embedded scripted model, a real `spool app-server` child over
 * stdio and a separate `spool exec-server` child over WebSocket (bearer token), both exporting
 * spans over OTLP/HTTP to a receiver in this process; one thread and one turn whose model runs
 * two commands in parallel. Prints the span tree from this client's span down to the
 * exec-server's processes, each process's `TRACEPARENT`, the `codex.tool_call` timing events,
 * and the rollout bundle with its reduction.
 */
export async function runDemo(out: Line = (l) => process.stdout.write(l + "\n")): Promise<void> {
  const receiver = await startOtlpReceiver();
  const model = await startScriptedModelServer({ script: DEMO_SCRIPT });
  const home = mkdtempSync(join(tmpdir(), "spool-demo-"));
  const traces = mkdtempSync(join(tmpdir(), "spool-demo-traces-"));
  const otlpEnv = {
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
    OTEL_BSP_SCHEDULE_DELAY: "100",
  };
  // This process is the client: its span is the root the whole session hangs from.
  const client = installTelemetry({
    env: {},
    serviceName: "spool-demo-client",
    processor: "simple",
    settings: {
      ...defaultOtelSettings(),
      traceExporter: {
        kind: "otlp-http",
        endpoint: `${receiver.url}/v1/traces`,
        protocol: "json",
        headers: {},
      },
    },
  });
  const exec = await spawnExecServer({ ...process.env, ...otlpEnv, SPOOL_HOME: home, SPOOL_LOG: "warn" });
  const server = spawnAppServer(
    [
      "-c",
      'model_provider="embedded"',
      "-c",
      'model="scripted-demo"',
      "-c",
      'model_providers.embedded.name="Embedded scripted model"',
      "-c",
      `model_providers.embedded.base_url="${model.url}"`,
    ],
    {
      ...process.env,
      ...otlpEnv,
      // The same SPOOL_HOME as the exec-server: the app-server presents the token it generated.
      SPOOL_HOME: home,
      SPOOL_ROLLOUT_TRACE_ROOT: traces,
      SPOOL_EXEC_SERVER_URL: exec.url,
      // codex.tool_call events are INFO on their own target; JSON lines so they can be read back.
      SPOOL_LOG: "warn,spool_core::tools::parallel=info",
      LOG_FORMAT: "json",
    },
  );
  let stderr = "";
  server.child.stderr.setEncoding("utf8");
  server.child.stderr.on("data", (d: string) => (stderr += d));
  try {
    out("spool demo: everything below ran on this machine, offline");
    out(`  model       embedded scripted model ${model.url}`);
    out(`  app-server  pid ${server.child.pid}, JSON-RPC over stdio`);
    out(`  exec-server pid ${exec.child.pid}, ${exec.url}, bearer token in ${exec.tokenFile}`);
    out(`  spans       OTLP/HTTP → ${receiver.url}`);
    out("");
    const requests: [string, unknown][] = [
      ["initialize", { clientInfo: { name: "spool_demo", title: "Spool demo", version: "0.1.0" } }],
      ["model/list", { limit: 2 }],
      ["config/read", { includeLayers: false }],
    ];
    const sent: { method: string; traceparent: string }[] = [];
    for (const [method, params] of requests) {
      const carrier = randomCarrier();
      sent.push({ method, traceparent: carrier.traceparent });
      await server.connection.request(method, params, carrier);
      out(`→ ${method}  trace carrier ${carrier.traceparent}`);
      if (method === "initialize") server.connection.notify("initialized");
    }
    // Explicit policies: the demo client answers no approval requests.
    const { thread } = await server.connection.request<{ thread: { id: string } }>("thread/start", {
      approvalPolicy: "never",
      sandbox: "danger-full-access",
    });
    out(`→ thread/start  thread ${thread.id}`);

    const { span: clientSpan } = startSpan("demo.turn", {}, { kind: SpanKind.CLIENT });
    const turnCarrier = spanW3cTraceContext(clientSpan)!;
    let text = "";
    const printed = new Map<string, string>();
    const completed = new Promise<Record<string, unknown>>((resolve, reject) => {
      // A server that dies mid-turn must end the demo with its stderr, not hang it.
      server.child.once("exit", (code) =>
        reject(new Error(`app-server exited (${code}) mid-turn\n${stderr}`)),
      );
      setTimeout(() => reject(new Error(`no turn/completed within 30 s\n${stderr}`)), 30_000).unref();
      server.onNotification((method, params) => {
        const p = params as Record<string, unknown>;
        const item = p.item as { type?: string; id?: string; aggregatedOutput?: string } | undefined;
        if (method === "item/agentMessage/delta") text += String(p.delta);
        if (method === "item/completed" && item?.type === "commandExecution") {
          printed.set(String(item.id), item.aggregatedOutput ?? "");
        }
        if (method === "turn/completed") resolve(p.turn as Record<string, unknown>);
      });
    });
    const started = await server.connection.request<{ turn: { id: string } }>(
      "turn/start",
      { threadId: thread.id, input: [{ type: "text", text: "What machine is this, and what time is it?" }] },
      turnCarrier,
    );
    out(`→ turn/start  turn ${started.turn.id}  trace carrier ${turnCarrier.traceparent}`);
    const turn = await completed;
    clientSpan.end();
    out(`← turn/completed  status ${String(turn.status)}`);
    out(`  agent: ${text}`);

    // Both servers flush their spans on a clean exit.
    const code = await server.stop();
    if (code !== 0) throw new Error(`app-server exited with code ${code}\n${stderr}`);
    await exec.stop();
    await client.shutdown();
    const traceId = turnCarrier.traceparent!.split("-")[1]!;
    const spans = await receiver.waitForSpans(
      (s) =>
        s.filter((x) => x.traceId === traceId && x.name === "process/start").length >= DEMO_COMMANDS.length &&
        s.some((x) => x.traceId === traceId && x.name === "session_task.turn"),
      10_000,
    );

    out("");
    out(`Request spans read back from the exporter, each parented by its carrier:`);
    for (const { method, traceparent } of sent) {
      const id = traceparent.split("-")[1];
      const span = spans.find((s) => s.name === method && s.traceId === id);
      if (!span) throw new Error(`no span exported for ${method} in trace ${id}`);
      for (const l of requestSpanLines(span)) out(l);
    }

    const inTrace = spans.filter((s) => s.traceId === traceId);
    const root = inTrace.find((s) => s.spanId === clientSpan.spanContext().spanId);
    if (!root) throw new Error(`the client's span was not exported in trace ${traceId}`);
    out("");
    out(`The turn's trace ${traceId}: @ start, + duration, ⇢ where it enters another process`);
    for (const l of spanTreeLines(inTrace, root)) out("  " + l);

    out("");
    out("What each child process printed, starting with the TRACEPARENT it was started with:");
    for (const { call_id } of DEMO_COMMANDS) {
      for (const l of childOutputLines(call_id, printed.get(call_id), traceId, inTrace)) out("  " + l);
    }

    out("");
    out("codex.tool_call timing events (app-server stderr, target spool_core::tools::parallel):");
    const events = toolCallEvents(stderr, (l) => process.stderr.write(l + "\n"));
    for (const e of events) out("  " + toolCallEventLine(e, traceId));

    const bundleName = readdirSync(traces).find((d) => d.endsWith(thread.id));
    if (!bundleName) throw new Error(`no rollout bundle under ${traces}`);
    const bundle = join(traces, bundleName);
    const reduced = await reduceBundle(bundle);
    out("");
    out(`Rollout bundle: ${bundle}`);
    out(`  (reduce it again with \`npx spool debug trace-reduce ${bundle}\`)`);
    out(formatSummary(summarizeReduction(reduced)));
    for (const l of reductionDetailLines(reduced.state)) out(l);
    try {
      const storePath = storeDemoTelemetry(receiver, stderr);
      out("");
      out(
        `Stored in ${storePath}: see them with \`npx spool observe\` or \`npx spool trace show ${traceId}\`.`,
      );
    } catch (err) {
      out(`(not stored in the observe store: ${(err as Error).message})`);
    }
  } finally {
    server.child.kill();
    await exec.stop();
    await client.shutdown();
    await receiver.close();
    await model.close();
    rmSync(home, { recursive: true, force: true });
  }
}
