import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startScriptedModelServer } from "../model-server/index.js";
import { startOtlpReceiver, type ReceivedSpan } from "../otlp-receiver/index.js";
import { formatSummary, reduceBundle, summarizeReduction } from "../rollout-trace/index.js";
import { storeDemoTelemetry } from "./demo-store.js";
import { spawnAppServer } from "./spawn-client.js";

const KIND = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];

/** What the embedded model answers in the demo: a reasoning summary, then a streamed message. */
const DEMO_SCRIPT = {
  chunk_chars: 12,
  on_exhausted: "repeat_last" as const,
  responses: [
    {
      output: [
        { type: "reasoning" as const, summary: ["The user wants a greeting; answer briefly."] },
        {
          type: "message" as const,
          text: "Hello from Spool's embedded scripted model. This turn ran through a real app-server, traced end to end.",
        },
      ],
    },
  ],
};

/** Attributes worth showing in the span tree (ids and names; the full set is in the exporter). */
const TREE_ATTRIBUTES = [
  "rpc.method",
  "turn.id",
  "thread.id",
  "codex.op",
  "submission.id",
  "model",
  "transport",
  "http.response.header.x-request-id",
  "codex.turn.token_usage.total_tokens",
];

function randomCarrier(): { traceparent: string } {
  return { traceparent: `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01` };
}

function describeSpan(s: ReceivedSpan, out: (line: string) => void): void {
  const parent = s.parentSpanId ? `${s.parentSpanId}${s.parentIsRemote ? " (remote)" : ""}` : "none (root)";
  out(`  ${s.name}  [${KIND[s.kind] ?? s.kind}]`);
  out(`    trace ${s.traceId}  span ${s.spanId}  parent ${parent}`);
  for (const [k, v] of Object.entries(s.attributes).sort(([a], [b]) => a.localeCompare(b))) {
    out(`    ${k} = ${JSON.stringify(v)}`);
  }
}

/** Prints `root` and its descendants as an indented tree, children in start order. */
function printTree(spans: readonly ReceivedSpan[], root: ReceivedSpan, out: (line: string) => void): void {
  const children = new Map<string, ReceivedSpan[]>();
  for (const s of spans) {
    const list = children.get(s.parentSpanId) ?? [];
    list.push(s);
    children.set(s.parentSpanId, list);
  }
  const walk = (s: ReceivedSpan, depth: number) => {
    const ms = Number((BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1000n) / 1000;
    const attrs = TREE_ATTRIBUTES.filter((k) => s.attributes[k] !== undefined)
      .map((k) => `${k}=${JSON.stringify(s.attributes[k])}`)
      .join(" ");
    out(
      `  ${"  ".repeat(depth)}${depth > 0 ? "└ " : ""}${s.name} [${KIND[s.kind] ?? s.kind}] ${ms.toFixed(1)} ms ${attrs}`,
    );
    const kids = (children.get(s.spanId) ?? []).sort((a, b) =>
      BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1,
    );
    for (const k of kids) walk(k, depth + 1);
  };
  walk(root, 0);
}

/**
 * The demo session, offline: the embedded scripted model, a real `spool app-server` child over a
 * stdio pipe exporting spans over OTLP/HTTP to a receiver in this process, one thread and one
 * text turn. Prints each request's span, the span tree from the client's carrier down to the
 * model request, and the rollout bundle the session wrote with its reduction.
 */
export async function runDemo(
  out: (line: string) => void = (l) => process.stdout.write(l + "\n"),
): Promise<void> {
  const receiver = await startOtlpReceiver();
  const model = await startScriptedModelServer({ script: DEMO_SCRIPT });
  const home = mkdtempSync(join(tmpdir(), "spool-demo-"));
  const traces = mkdtempSync(join(tmpdir(), "spool-demo-traces-"));
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
      SPOOL_HOME: home,
      SPOOL_ROLLOUT_TRACE_ROOT: traces,
      SPOOL_LOG: process.env.SPOOL_LOG ?? "warn",
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
    },
  );
  server.child.stderr.on("data", (d: Buffer) => process.stderr.write(d));
  try {
    out(
      `spool demo: app-server pid ${server.child.pid} over stdio; model ${model.url}; spans → ${receiver.url}`,
    );
    const requests: [string, unknown][] = [
      ["initialize", { clientInfo: { name: "spool_demo", title: "Spool demo", version: "0.1.0" } }],
      ["model/list", { limit: 2 }],
      ["config/read", { includeLayers: false }],
    ];
    const sent: { method: string; traceparent: string }[] = [];
    for (const [method, params] of requests) {
      const carrier = randomCarrier();
      sent.push({ method, traceparent: carrier.traceparent });
      const result = await server.connection.request(method, params, carrier);
      out(`→ ${method}  trace carrier ${carrier.traceparent}`);
      out(`← ${JSON.stringify(result).slice(0, 160)}`);
      if (method === "initialize") server.connection.notify("initialized");
    }

    const { thread } = await server.connection.request<{ thread: { id: string } }>("thread/start", {});
    out(`→ thread/start  thread ${thread.id}`);
    const turnCarrier = randomCarrier();
    let text = "";
    const completed = new Promise<Record<string, unknown>>((resolve) => {
      server.onNotification((method, params) => {
        const p = params as Record<string, unknown>;
        if (method === "item/agentMessage/delta") text += String(p.delta);
        if (method === "turn/completed") resolve(p.turn as Record<string, unknown>);
      });
    });
    const started = await server.connection.request<{ turn: { id: string } }>(
      "turn/start",
      { threadId: thread.id, input: [{ type: "text", text: "Say hello." }] },
      turnCarrier,
    );
    out(`→ turn/start  turn ${started.turn.id}  trace carrier ${turnCarrier.traceparent}`);
    const turn = await completed;
    out(`← turn/completed  status ${String(turn.status)}`);
    out(`  agent: ${text}`);

    const code = await server.stop();
    if (code !== 0) throw new Error(`app-server exited with code ${code}`);
    const turnTrace = turnCarrier.traceparent.split("-")[1]!;
    const spans = await receiver.waitForSpans(
      (s) =>
        s.length >= requests.length &&
        s.some((x) => x.traceId === turnTrace && x.name === "session_task.turn"),
      10_000,
    );
    out("");
    out(`Request spans read back from the exporter (${spans.length}):`);
    for (const { method, traceparent } of sent) {
      const traceId = traceparent.split("-")[1];
      const span = spans.find((s) => s.name === method && s.traceId === traceId);
      if (!span) throw new Error(`no span exported for ${method} in trace ${traceId}`);
      describeSpan(span, out);
    }
    const inTrace = spans.filter((s) => s.traceId === turnTrace);
    const root = inTrace.find((s) => s.name === "turn/start");
    if (!root) throw new Error(`no turn/start span in trace ${turnTrace}`);
    out("");
    out(
      `The turn's span tree, from the client's carrier (parent ${turnCarrier.traceparent.split("-")[2]}) to the model request:`,
    );
    printTree(inTrace, root, out);
    const upstream = model.requests[model.requests.length - 1];
    if (upstream) out(`  model request carried traceparent ${upstream.headers.traceparent ?? "(none)"}`);

    const bundleName = readdirSync(traces).find((d) => d.endsWith(thread.id));
    if (!bundleName) throw new Error(`no rollout bundle under ${traces}`);
    const bundle = join(traces, bundleName);
    out("");
    out(`Rollout bundle: ${bundle}`);
    out(formatSummary(summarizeReduction(await reduceBundle(bundle))));
    try {
      const storePath = storeDemoTelemetry(receiver);
      out("");
      out(
        `Stored in ${storePath}: see them with \`npx spool observe\` or \`npx spool trace show <trace id>\`.`,
      );
    } catch (err) {
      out(`(not stored in the observe store: ${(err as Error).message})`);
    }
  } finally {
    server.child.kill();
    await receiver.close();
    await model.close();
    rmSync(home, { recursive: true, force: true });
  }
}
