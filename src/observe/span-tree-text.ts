import type { SpanTreeView } from "./api-types.js";

const KIND = ["", "", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];

function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`;
}

/**
 * A span tree as text, one line per span: indentation for depth, the offset from the view's
 * start, the duration, kind (other than internal), error status and `*` on the critical path.
 *
 * @example
 * formatSpanTree(traceView(store, id)!).forEach((l) => console.log(l));
 */
export function formatSpanTree(view: SpanTreeView): string[] {
  const base = BigInt(view.startNs);
  const total = Number(BigInt(view.endNs) - base) / 1e6;
  const head = view.threadId ? `thread ${view.threadId}` : `trace ${view.traceIds[0]}`;
  const lines = [
    `${head}: ${view.traceIds.length} trace(s), ${view.spans.length} span(s), ${ms(total)}${view.truncated ? " (truncated)" : ""}`,
  ];
  const width = Math.max(0, ...view.spans.map((s) => s.depth * 2 + s.name.length));
  for (const s of view.spans) {
    const label = `${"  ".repeat(s.depth)}${s.name}`.padEnd(width);
    const offset = Number(BigInt(s.startNs) - base) / 1e6;
    const tags = [
      KIND[s.kind] ?? "",
      s.statusCode === 2 ? `ERROR${s.statusMessage ? `: ${s.statusMessage}` : ""}` : "",
      s.orphan ? "(parent not stored)" : "",
    ].filter((t) => t !== "");
    lines.push(
      `${s.critical ? "*" : " "} ${label}  +${ms(offset).padStart(9)}  ${ms(s.durationMs).padStart(9)}${tags.length ? "  " + tags.join(" ") : ""}`,
    );
  }
  return lines;
}
