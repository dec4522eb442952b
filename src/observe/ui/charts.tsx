import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { TurnPoint } from "./api.js";
import { int, ms, short } from "./format.js";
import { href } from "./router.js";

function Chart(props: {
  title: string;
  unit: string;
  series: { label: string; values: (number | null)[]; color: string }[];
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const n = props.series[0]?.values.length ?? 0;
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    const plot = new uPlot(
      {
        title: props.title,
        width: Math.max(280, el.current.clientWidth || 360),
        height: 200,
        scales: { x: { time: false } },
        axes: [{ label: "turn" }, { label: props.unit }],
        series: [
          { label: "turn" },
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            points: { show: true, size: 6 },
          })),
        ],
      },
      [xs, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      el.current,
    );
    return () => plot.destroy();
  }, [props]);
  return <div class="chart" ref={el} />;
}

/** The charted figures as numbers, one row per turn, each linking to its span. */
function TurnTable({ turns }: { turns: TurnPoint[] }) {
  return (
    <table class="sessions turn-table">
      <thead>
        <tr>
          <th class="num">#</th>
          <th>turn</th>
          <th>status</th>
          <th class="num">TTFT</th>
          <th class="num">duration</th>
          <th class="num">tokens in</th>
          <th class="num">tokens out</th>
        </tr>
      </thead>
      <tbody>
        {turns.map((t, i) => (
          <tr key={t.turnId} data-turn-id={t.turnId} class={`status-${t.status}`}>
            <td class="num">{i + 1}</td>
            <td>
              <a href={href(["trace", t.traceId], { span: t.spanId })}>
                <code>{short(t.turnId, 12)}</code>
              </a>{" "}
              <span class="note">{t.task}</span>
            </td>
            <td>{t.status}</td>
            <td class="num ttft">{ms(t.ttftMs)}</td>
            <td class="num duration">{ms(t.durationMs)}</td>
            <td class="num tokens-in">{int(t.inputTokens)}</td>
            <td class="num tokens-out">{int(t.outputTokens)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Per-turn time to first token, end-to-end duration and tokens over a thread's turns. */
export function TurnCharts({ turns }: { turns: TurnPoint[] }) {
  if (turns.length === 0) return <p class="empty">No turn spans (session_task.*) in this thread.</p>;
  return (
    <>
      <div class="charts" data-turns={turns.length}>
        <Chart
          title="Time to first token"
          unit="ms"
          series={[{ label: "TTFT", values: turns.map((t) => t.ttftMs), color: "#2f6fde" }]}
        />
        <Chart
          title="Turn duration"
          unit="ms"
          series={[{ label: "end to end", values: turns.map((t) => t.durationMs), color: "#b45f06" }]}
        />
        <Chart
          title="Tokens"
          unit="tokens"
          series={[
            { label: "input", values: turns.map((t) => t.inputTokens), color: "#2e7d32" },
            { label: "output", values: turns.map((t) => t.outputTokens), color: "#8e24aa" },
          ]}
        />
      </div>
      <TurnTable turns={turns} />
    </>
  );
}
