// Events/s through the full model client vs. eventsource-parser alone on the same bytes.
// Run: node --import tsx bench/model-stream-throughput.ts
import { createParser } from "eventsource-parser";
import { ModelClient, userMessage } from "../src/model-client/index.js";
import { scriptedModelProvider } from "../src/model-server/index.js";
import { spawnModelServer } from "./support/model-server.js";
import { percentile } from "./support/stats.js";

const median = (xs: number[]): number => percentile(xs, 50);

const DELTAS = 40_000;
const RUNS = 5;
const CHUNK = 16 * 1024;

const text = "abcd".repeat(DELTAS);
const { url, child } = await spawnModelServer({
  chunk_chars: 4,
  on_exhausted: "repeat_last",
  responses: [{ output: [{ type: "message", text }] }],
});
const body = JSON.stringify({ model: "bench", input: [], stream: true });
const request = { model: "bench", input: [userMessage("go")] };

// The exact bytes the server sends for this response.
const bytes = new Uint8Array(await (await fetch(`${url}/responses`, { method: "POST", body })).arrayBuffer());
const chunks: Uint8Array[] = [];
for (let i = 0; i < bytes.length; i += CHUNK) chunks.push(bytes.subarray(i, i + CHUNK));

function parserAlone(parseJson: boolean): number {
  let n = 0;
  const parser = createParser({
    onEvent(ev) {
      if (parseJson) JSON.parse(ev.data);
      n++;
    },
  });
  const decoder = new TextDecoder();
  for (const c of chunks) parser.feed(decoder.decode(c, { stream: true }));
  return n;
}

// The full client on the same bytes: its fetch hands back a Response over the captured chunks.
const replayFetch: typeof fetch = async () =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    }),
    { status: 200, headers: { "content-type": "text/event-stream", "x-request-id": "req_bench" } },
  );

async function clientEvents(client: ModelClient): Promise<number> {
  let n = 0;
  const stream = client.stream(request);
  for await (const _ of stream) n++;
  const outcome = await stream.outcome;
  if (outcome.status !== "completed") throw new Error(`bench stream ended ${outcome.status}`);
  return n;
}

async function fetchAndParse(): Promise<number> {
  const res = await fetch(`${url}/responses`, { method: "POST", body });
  let n = 0;
  const parser = createParser({
    onEvent() {
      n++;
    },
  });
  const decoder = new TextDecoder();
  for await (const c of res.body! as AsyncIterable<Uint8Array>)
    parser.feed(decoder.decode(c, { stream: true }));
  return n;
}

async function rate(fn: () => number | Promise<number>): Promise<{ events: number; perSec: number }> {
  globalThis.gc?.();
  const t0 = performance.now();
  const events = await fn();
  return { events, perSec: events / ((performance.now() - t0) / 1000) };
}

const replayClient = new ModelClient({
  provider: scriptedModelProvider("http://replay.invalid/v1"),
  fetch: replayFetch,
});
const socketClient = new ModelClient({ provider: scriptedModelProvider(url) });
const results: Record<string, number[]> = {
  parser: [],
  parserJson: [],
  clientReplay: [],
  fetchParse: [],
  clientSocket: [],
};
let counts: Record<string, number> = {};
for (let r = 0; r < RUNS + 1; r++) {
  const p = await rate(() => parserAlone(false));
  const pj = await rate(() => parserAlone(true));
  const cr = await rate(() => clientEvents(replayClient));
  const fp = await rate(fetchAndParse);
  const cs = await rate(() => clientEvents(socketClient));
  if (r === 0) {
    counts = { parser: p.events, client: cr.events };
    continue; // warm-up round
  }
  results.parser!.push(p.perSec);
  results.parserJson!.push(pj.perSec);
  results.clientReplay!.push(cr.perSec);
  results.fetchParse!.push(fp.perSec);
  results.clientSocket!.push(cs.perSec);
}
child.kill("SIGTERM");

const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])) as Record<
  string,
  number
>;
const f = (x: number) => `${Math.round(x).toLocaleString("en-US")} events/s`;
console.log(
  `stream: ${bytes.length.toLocaleString("en-US")} bytes, ${counts.parser} SSE events (${counts.client} typed events reach the consumer), median of ${RUNS} runs`,
);
console.log(`same bytes in memory:`);
console.log(`  eventsource-parser alone          ${f(m.parser!)}`);
console.log(`  eventsource-parser + JSON.parse   ${f(m.parserJson!)}`);
console.log(`  full client (typed events)        ${f(m.clientReplay!)}`);
console.log(`  ratio client / parser alone       ${(m.clientReplay! / m.parser!).toFixed(2)}x`);
console.log(`  ratio client / parser + JSON      ${(m.clientReplay! / m.parserJson!).toFixed(2)}x`);
console.log(`over a loopback socket (server in another process):`);
console.log(`  fetch + eventsource-parser        ${f(m.fetchParse!)}`);
console.log(`  full client                       ${f(m.clientSocket!)}`);
console.log(
  `  ratio client / fetch + parser     ${(m.clientSocket! / m.fetchParse!).toFixed(2)}x (target >= 0.8x)`,
);
