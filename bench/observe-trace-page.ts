// The viewer's trace page in headless Chromium: time from navigation to a thread's waterfall
// drawn (all spans fetched and laid out, the first screen of rows rendered), for a 5,000-span
// thread (target ≤ 1 s) and, as the baseline in the same
// run, a 50-span thread. The store holds real-shaped turn trees (request → dispatch → turn →
// model calls and tools) written through the store API.
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ObserveStore, startObserveServer, type SpanRecord } from "../src/observe/index.js";
import { fmt, percentile } from "./support/stats.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function thread(threadId: string, spans: number, traceNo: number): SpanRecord[] {
  const out: SpanRecord[] = [];
  const t0 = 1_800_000_000_000_000_000n;
  const id = (n: number, width: number) => n.toString(16).padStart(width, "0");
  const traceId = id(traceNo, 32);
  const push = (spanId: number, parent: number, name: string, start: number, end: number, attrs = {}) =>
    out.push({
      traceId,
      spanId: id(spanId, 16),
      parentSpanId: parent === 0 ? "" : id(parent, 16),
      traceState: "",
      name,
      kind: parent === 0 ? 2 : 1,
      statusCode: 0,
      statusMessage: "",
      startNs: t0 + BigInt(start) * 1000n,
      endNs: t0 + BigInt(end) * 1000n,
      attributes: { "thread.id": threadId, ...attrs },
      events: [],
      links: [],
      scope: "bench",
      resource: { "service.name": "spool" },
    });
  push(1, 0, "turn/start", 0, spans * 100);
  push(2, 1, "session_task.turn", 10, spans * 100, { "turn.id": `turn_${traceNo}` });
  for (let i = 3; i <= spans; i++) {
    const parent = i % 10 === 3 ? 2 : i - (i % 10) + 3;
    push(i, parent, i % 10 === 3 ? "exec_command" : "handle_responses", i * 100, i * 100 + 80, {
      call_id: `c${i}`,
    });
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "spool-bench-page-"));
const storePath = join(dir, "observe.sqlite");
const seed = ObserveStore.open(storePath);
seed.insertSpans(thread("thr_big", 5000, 1));
seed.insertSpans(thread("thr_small", 50, 2));
seed.close();
const server = await startObserveServer({
  storePath,
  otlpPort: 0,
  uiPort: 0,
  retention: { maxAgeMs: 1e12, maxBytes: 1e12 },
});
const browser = await chromium.launch({
  executablePath: process.env.SPOOL_CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

/**
 * Wall clock around the navigation and wait, and the page's own time from navigation start to
 * the first animation frame with the waterfall's rows in the DOM (polled in the page, so the
 * driver's round trips are left out), and how many rows the DOM holds then (the window).
 */
async function render(threadId: string, rows: number): Promise<{ wall: number; page: number; dom: number }> {
  await page.goto("about:blank");
  const t0 = performance.now();
  await page.goto(`${server.uiUrl}#/thread/${threadId}`);
  const drawn = await page.waitForFunction(
    `document.querySelector('.waterfall[data-spans="${rows}"] .wf-row')
      ? [performance.now(), document.querySelectorAll(".wf-row").length]
      : false`,
    undefined,
    { polling: "raf" },
  );
  const wall = performance.now() - t0;
  const [at, dom] = (await drawn.jsonValue()) as [number, number];
  return { wall, page: at, dom };
}

type Run = { wall: number; page: number; dom: number };
const big: Run[] = [];
const small: Run[] = [];
for (let i = 0; i < ROUNDS; i++) {
  small.push(await render("thr_small", 50));
  big.push(await render("thr_big", 5000));
}
await browser.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
const p50 = (xs: Run[], k: "wall" | "page" | "dom") =>
  percentile(
    xs.map((x) => x[k]),
    50,
  );
console.log(`thread page: navigation → waterfall drawn, headless Chromium, median of ${ROUNDS}`);
console.log(
  `  (page = navigation start → first frame with the rows, in the page; wall = around page.goto + wait)`,
);
console.log(
  `  50 spans (baseline)  page ${fmt(p50(small, "page"), 0)} ms  wall ${fmt(p50(small, "wall"), 0)} ms`,
);
console.log(
  `  5000 spans           page ${fmt(p50(big, "page"), 0)} ms  wall ${fmt(p50(big, "wall"), 0)} ms` +
    `  (${fmt(p50(big, "dom"), 0)} rows in the DOM)`,
);
console.log(
  `ratio 5000/50 (wall): ${fmt(p50(big, "wall") / p50(small, "wall"), 2)}x; ` +
    `target ≤ 1000 ms (wall): ${p50(big, "wall") <= 1000 ? "met" : "NOT met"} ` +
    `(load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`,
);
