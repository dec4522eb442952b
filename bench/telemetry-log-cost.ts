// Cost per log event: a disabled target (target ≤ 50 ns) vs. an enabled one formatted as a JSON
// line into a discarding sink. Run: node --import tsx bench/telemetry-log-cost.ts
import { configureLogging, formatJsonLine, logger, withSpan } from "../src/telemetry/index.js";

const N = 2_000_000;
let sink = 0;
configureLogging({
  filter: "info,spool_bench::quiet=off",
  sink: (r) => {
    sink += formatJsonLine(r).length;
  },
});
const quiet = logger("spool_bench::quiet");
const loud = logger("spool_bench::loud");

function time(label: string, n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 100_000); i++) fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`  ${label.padEnd(58)} ${ns.toFixed(1).padStart(8)} ns/event`);
  return ns;
}

console.log(`log events (${N} per disabled case)`);
const baseline = time("empty loop body (baseline)", N, () => {});
const check = time("disabled: enabled('info') check", N, () => {
  if (quiet.enabled("info")) sink++;
});
const lazy = time("disabled: info(msg, () => fields)  (fields never built)", N, (i) =>
  quiet.info("tool call completed", () => ({ call_id: `call_${i}`, total_duration_ms: i })),
);
const literal = time("disabled: info(msg, { ...literal fields })", N, (i) =>
  quiet.info("tool call completed", { call_id: "call", total_duration_ms: i }),
);
const enabled = time("enabled: info(msg, fields) → JSON line, outside spans", N / 20, (i) =>
  loud.info("tool call completed", {
    "event.name": "codex.tool_call",
    call_id: "call",
    total_duration_ms: i,
  }),
);
const inSpans = withSpan("session_loop", { thread_id: "thr_1" }, () =>
  withSpan("turn", { "otel.name": "session_task.turn", "turn.id": "turn_1" }, () =>
    time("enabled: same, inside 2 spans (span/spans in the line)", N / 20, (i) =>
      loud.info("tool call completed", {
        "event.name": "codex.tool_call",
        call_id: "call",
        total_duration_ms: i,
      }),
    ),
  ),
);
console.log(`  disabled lazy event minus baseline: ${(lazy - baseline).toFixed(1)} ns (target ≤ 50 ns)`);
console.log(
  `  enabled / disabled (lazy) ratio: ${(enabled / lazy).toFixed(0)}x; in spans ${(inSpans / lazy).toFixed(0)}x`,
);
console.log(`  (check ${check.toFixed(1)} ns, literal ${literal.toFixed(1)} ns; sink bytes ${sink})`);
