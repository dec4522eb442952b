import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killSpawned, spawnSpool } from "./support/spawned-servers.js";

after(killSpawned);

const INIT = JSON.stringify({
  id: 0,
  method: "initialize",
  params: { clientInfo: { name: "t", version: "1" } },
});
const REQUESTS = 50_000;

const home = (): string => mkdtempSync(join(tmpdir(), "spool-exits-home-"));

/** Parses a stdout capture: every line must be a whole JSON-RPC answer to an id that was sent. */
function checkWholeAnswers(out: string, what: string): number {
  assert.ok(out === "" || out.endsWith("\n"), `${what}: stdout ends mid-frame: …${out.slice(-80)}`);
  const seen = new Set<number>();
  for (const line of out.split("\n").slice(0, -1)) {
    let msg: { id?: unknown; result?: unknown; error?: unknown };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      assert.fail(`${what}: not a whole frame: ${line.slice(0, 120)}`);
    }
    const id = msg.id;
    assert.ok(
      typeof id === "number" && Number.isInteger(id) && id >= 0 && id <= REQUESTS,
      `${what}: id ${String(id)}`,
    );
    assert.ok(msg.result !== undefined || msg.error !== undefined, `${what}: ${line.slice(0, 120)}`);
    assert.ok(!seen.has(id), `${what}: id ${id} answered twice`);
    seen.add(id);
  }
  return seen.size;
}

for (const [signal, code] of [
  ["SIGTERM", 143],
  ["SIGTERM", 143],
  ["SIGINT", 130],
] as const) {
  test(`${signal} at a random point of a ${REQUESTS}-request stdio stream leaves only whole answers and exits ${code}`, async () => {
    const s = spawnSpool(["app-server"], {
      ...process.env,
      SPOOL_HOME: home(),
      OTEL_TRACES_EXPORTER: "none",
    });
    let out = "";
    s.child.stdout.setEncoding("utf8");
    s.child.stdout.on("data", (d: string) => (out += d));
    s.child.stdin.on("error", () => {});
    let input = `${INIT}\n`;
    for (let i = 1; i <= REQUESTS; i++) input += `{"id":${i},"method":"model/list","params":{}}\n`;
    s.child.stdin.write(input);
    // Wait for the stream to be flowing, then a random moment within it.
    while (!out.includes("\n")) await new Promise((r) => setTimeout(r, 5));
    const delay = Math.floor(Math.random() * 1500);
    await new Promise((r) => setTimeout(r, delay));
    s.child.kill(signal);
    const exit = await s.exit;
    const answered = checkWholeAnswers(out, `${signal} after ${delay} ms`);
    assert.ok(answered > 1, "some requests were answered before the signal");
    assert.deepEqual(exit, { code, signal: null }, s.stderr());
  });
}

/** An OTLP endpoint that accepts connections and never answers (a hung collector). */
async function hangingCollector(): Promise<{ url: string; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((sock) => {
    sockets.push(sock);
    sock.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, server, sockets };
}

/** A port nothing listens on (a dead collector). */
async function deadPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

function exporterEnv(endpoint: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SPOOL_HOME: home(),
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_LOGS_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_BSP_SCHEDULE_DELAY: "50",
  };
}

for (const kind of ["dead", "hanging"] as const) {
  for (const how of ["stdin EOF", "SIGTERM"] as const) {
    test(`${how} with a ${kind} OTLP exporter: the app-server exits within the 2 s flush bound`, async () => {
      const collector = kind === "hanging" ? await hangingCollector() : undefined;
      const endpoint = collector?.url ?? (await deadPort());
      try {
        const s = spawnSpool(["app-server"], exporterEnv(endpoint));
        let out = "";
        s.child.stdout.setEncoding("utf8");
        s.child.stdout.on("data", (d: string) => (out += d));
        s.child.stdin.write(`${INIT}\n`);
        for (let i = 1; i <= 50; i++) s.child.stdin.write(`{"id":${i},"method":"model/list"}\n`);
        while (out.split("\n").length <= 51) await new Promise((r) => setTimeout(r, 10));
        // Let the batch processor start an export that will not finish.
        await new Promise((r) => setTimeout(r, 200));
        const t0 = performance.now();
        if (how === "SIGTERM") s.child.kill("SIGTERM");
        else s.child.stdin.end();
        const exit = await s.exit;
        const ms = performance.now() - t0;
        assert.deepEqual(exit, { code: how === "SIGTERM" ? 143 : 0, signal: null }, s.stderr());
        assert.ok(ms < 2500, `exited ${ms.toFixed(0)} ms after ${how}`);
        assert.equal(checkWholeAnswers(out, how), 51);
      } finally {
        for (const sock of collector?.sockets ?? []) sock.destroy();
        collector?.server.close();
      }
    });
  }
}
