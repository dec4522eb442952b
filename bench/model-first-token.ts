// Added latency to the first token: the full model client vs. a raw fetch of the same stream.
// Run: node --import tsx bench/model-first-token.ts
import { ModelClient, userMessage } from "../src/model-client/index.js";
import { scriptedModelProvider } from "../src/model-server/index.js";
import { spawnModelServer } from "./support/model-server.js";
import { percentile } from "./support/stats.js";

const median = (xs: number[]): number => percentile(xs, 50);

const ROUNDS = 300;
const { url, child } = await spawnModelServer({
  on_exhausted: "repeat_last",
  responses: [{ output: [{ type: "message", text: "The first token is what the user waits for." }] }],
});
const request = { model: "bench", input: [userMessage("hello")] };
const client = new ModelClient({ provider: scriptedModelProvider(url) });
const MARK = new TextEncoder().encode("response.output_text.delta");

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

// Baseline: POST the same body and stop the clock at the first chunk holding a text delta.
async function rawFirstToken(): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ ...request, stream: true }),
  });
  let at = NaN;
  for await (const c of res.body! as AsyncIterable<Uint8Array>) {
    if (Number.isNaN(at) && contains(c, MARK)) at = performance.now() - t0;
  }
  return at;
}

async function clientFirstToken(): Promise<number> {
  const t0 = performance.now();
  let at = NaN;
  const stream = client.stream(request);
  for await (const ev of stream) {
    if (Number.isNaN(at) && ev.type === "response.output_text.delta") at = performance.now() - t0;
  }
  if ((await stream.outcome).status !== "completed") throw new Error("bench stream failed");
  return at;
}

const raw: number[] = [];
const full: number[] = [];
for (let i = 0; i < 20; i++) {
  await rawFirstToken();
  await clientFirstToken();
}
for (let i = 0; i < ROUNDS; i++) {
  // Alternate so drift on the shared machine hits both equally.
  raw.push(await rawFirstToken());
  full.push(await clientFirstToken());
}
child.kill("SIGTERM");

const ms = (x: number) => `${x.toFixed(3)} ms`;
console.log(`first text delta over loopback HTTP SSE, ${ROUNDS} alternating rounds`);
console.log(`  raw fetch      median ${ms(median(raw))}  p95 ${ms(percentile(raw, 95))}`);
console.log(`  model client   median ${ms(median(full))}  p95 ${ms(percentile(full, 95))}`);
console.log(
  `  added latency  median ${ms(median(full) - median(raw))}  p95 ${ms(percentile(full, 95) - percentile(raw, 95))}`,
);
