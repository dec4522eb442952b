import type { ReceivedSpan } from "../otlp-receiver/index.js";
import type { ReducedState } from "../rollout-trace/index.js";

/** One printed line. */
export type Line = (line: string) => void;

const KIND = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];

/**
 * Attributes worth showing in the span tree: ids and outcomes (the full set is in the exporter).
 * Each is shown only where its value changes from what an ancestor showed.
 */
const TREE_ATTRIBUTES = [
  "rpc.method",
  "codex.op",
  "turn.id",
  "model",
  "http.response.header.x-request-id",
  "call_id",
  "outcome",
];

const start = (s: ReceivedSpan) => BigInt(s.startTimeUnixNano);
const ms = (ns: bigint) => Number(ns / 1000n) / 1000;

/** Milliseconds a span lasted. */
export function spanDurationMs(s: ReceivedSpan): number {
  return ms(BigInt(s.endTimeUnixNano) - start(s));
}

const serviceOf = (s: ReceivedSpan) => String(s.resource["service.name"] ?? "?");

/**
 * `root` and its descendants as an indented tree, children in start order. Each line: name, kind,
 * start offset from the root (`@`), duration (`+`), a few ids, and `⇢ service` where the span's
 * process differs from its parent's — where the trace crossed a process boundary.
 */
export function spanTreeLines(spans: readonly ReceivedSpan[], root: ReceivedSpan): string[] {
  const children = new Map<string, ReceivedSpan[]>();
  for (const s of spans) {
    const list = children.get(s.parentSpanId) ?? [];
    list.push(s);
    children.set(s.parentSpanId, list);
  }
  const t0 = start(root);
  const lines: string[] = [];
  const walk = (s: ReceivedSpan, depth: number, parentService: string, shown: Map<string, string>) => {
    const mine = new Map(shown);
    const attrs: string[] = [];
    for (const k of TREE_ATTRIBUTES) {
      const v = s.attributes[k];
      if (v === undefined || shown.get(k) === String(v)) continue;
      mine.set(k, String(v));
      attrs.push(`${k}=${String(v)}`);
    }
    const service = serviceOf(s);
    if (service !== parentService) attrs.push(`⇢ ${service}`);
    const head = `${"  ".repeat(depth)}${depth > 0 ? "└ " : ""}${s.name} [${KIND[s.kind] ?? s.kind}]`;
    const timing = `@${ms(start(s) - t0).toFixed(1)} +${spanDurationMs(s).toFixed(1)} ms`;
    lines.push([head, timing, ...attrs].join("  "));
    const kids = (children.get(s.spanId) ?? []).sort((a, b) => (start(a) < start(b) ? -1 : 1));
    for (const k of kids) walk(k, depth + 1, service, mine);
  };
  walk(root, 0, "", new Map());
  return lines;
}

/** A request span on three lines: its name, where it sits in its trace, who asked. */
export function requestSpanLines(s: ReceivedSpan): string[] {
  const parent = s.parentSpanId ? `${s.parentSpanId}${s.parentIsRemote ? " (remote)" : ""}` : "none (root)";
  const who = ["rpc.transport", "app_server.client_name", "app_server.client_version"]
    .filter((k) => s.attributes[k] !== undefined)
    .map((k) => `${k}=${String(s.attributes[k])}`);
  return [
    `  ${s.name}  [${KIND[s.kind] ?? s.kind}]`,
    `    trace ${s.traceId}  span ${s.spanId}  parent ${parent}`,
    `    ${who.join("  ")}`,
  ];
}

/**
 * What one child process printed: its `TRACEPARENT` checked against the turn's trace (and the
 * span it names), then the rest of its output.
 */
export function childOutputLines(
  callId: string,
  output: string | undefined,
  traceId: string,
  spans: readonly ReceivedSpan[],
): string[] {
  const lines = (output ?? "").split("\n").filter((l) => l !== "");
  const printed = lines.find((l) => l.startsWith("TRACEPARENT="))?.slice("TRACEPARENT=".length);
  const m = printed ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(printed) : null;
  const rest = lines.filter((l) => !l.startsWith("TRACEPARENT=")).join(" | ");
  if (!printed || !m) return [`${callId}  TRACEPARENT missing or malformed: ${printed ?? "(none)"}`];
  const verdict = m[1] === traceId ? "same trace" : `DIFFERENT trace (the turn's is ${traceId})`;
  const parent = spans.find((s) => s.spanId === m[2]);
  const parentName = parent ? `${parent.name} (${serviceOf(parent)})` : "a span not exported";
  return [`${callId}  TRACEPARENT=${printed}`, `    ${verdict}, parent span ${parentName}; printed: ${rest}`];
}

/** A `codex.tool_call` event's fields (spec/timing-events.md §3). */
export type ToolCallEvent = Record<string, unknown>;

/** `codex.tool_call` events among JSON log lines; other lines are handed to `rest`. */
export function toolCallEvents(stderr: string, rest: (line: string) => void): ToolCallEvent[] {
  const events: ToolCallEvent[] = [];
  for (const line of stderr.split("\n")) {
    if (line === "") continue;
    let fields: ToolCallEvent | undefined;
    try {
      fields = (JSON.parse(line) as { fields?: ToolCallEvent }).fields;
    } catch {
      fields = undefined;
    }
    if (fields?.["event.name"] === "codex.tool_call") events.push(fields);
    else rest(line);
  }
  return events;
}

/** One event on one line: the tool, its call, the three durations. */
export function toolCallEventLine(e: ToolCallEvent, traceId: string): string {
  const trace = e.trace_id === traceId ? "same trace" : `trace ${String(e.trace_id)}`;
  return [
    `${String(e.tool_name)} ${String(e.call_id)}`,
    `dispatch ${String(e.dispatch_duration_ms)} ms`,
    `handler ${String(e.handler_duration_ms)} ms`,
    `total ${String(e.total_duration_ms)} ms`,
    `execution_started=${String(e.execution_started)}`,
    trace,
  ].join("  ");
}

/** The reduction's inference calls and tool calls, each tool call with its terminal operation. */
export function reductionDetailLines(state: ReducedState): string[] {
  const lines = ["  inference calls:"];
  for (const c of state.inference_calls.values()) {
    lines.push(
      `    ${c.inference_call_id}  ${c.execution.status}  response_id ${c.response_id ?? "none"}  upstream_request_id ${c.upstream_request_id ?? "none"}  started ${c.tool_call_ids_started_by_response.length} tool call(s)`,
    );
  }
  lines.push("  tool calls → terminal operations:");
  for (const t of state.tool_calls.values()) {
    const op = t.terminal_operation_id ? state.terminal_operations.get(t.terminal_operation_id) : undefined;
    const opText = op
      ? `${op.operation_id} ${op.kind} \`${op.request.type === "exec_command" ? op.request.display_command : op.request.stdin}\` exit ${op.result?.exit_code ?? "none"}`
      : "no terminal operation";
    const visible = t.model_visible_call_id && t.model_visible_call_id !== t.tool_call_id;
    lines.push(
      `    ${t.tool_call_id}${visible ? ` (${t.model_visible_call_id})` : ""}  ${t.execution.status}  → ${opText}`,
    );
  }
  return lines;
}
