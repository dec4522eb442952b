import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { configureLogging } from "../src/telemetry/index.js";
import {
  ExecServerClient,
  listenExecServer,
  serveExecConnection,
  type ExecServerConnection,
} from "../src/exec-server/index.js";
import { createInProcessTransportPair } from "../src/rpc/index.js";
import { KINDS, PATH_ENV, TEST_TOKEN, typedClient, type Kind } from "./support/exec-server.js";

configureLogging({ filter: "off" });

/** Peak growth of RSS over the baseline while `fn` runs, sampled every 20 ms. */
async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; growth: number }> {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - baseline };
  } finally {
    clearInterval(timer);
  }
}

const MB = 1024 * 1024;
const RETAINED = 4 * MB;
const HIGH_WATER = 1 * MB;

/** A client plus the served connection, so the server's own buffers can be watched. */
async function observedClient(kind: Kind) {
  const options = { retainedOutputBytes: RETAINED, outputHighWaterBytes: HIGH_WATER };
  let served: ExecServerConnection | undefined;
  if (kind === "in-process") {
    const [a, b] = createInProcessTransportPair();
    served = serveExecConnection(b, options);
    const client = await ExecServerClient.connect(a, { endpoint: "in-process" });
    return { client, served: served, close: async () => client.close() };
  }
  const server = await listenExecServer({
    port: 0,
    token: TEST_TOKEN,
    ...options,
    onConnection: (c) => (served = c),
  });
  const client = await ExecServerClient.connectWebSocket(server.url, { token: TEST_TOKEN });
  return {
    client,
    served: served!,
    close: async () => {
      client.close();
      await server.close();
    },
  };
}

for (const kind of KINDS) {
  describe(`large output over ${kind}`, () => {
    test("2 MB of output arrives complete and in order", async () => {
      const { client, close } = await typedClient(kind);
      try {
        const hash = createHash("sha256");
        let bytes = 0;
        let lastSeq = 0;
        const proc = await client.start({
          argv: ["seq", "1", "300000"],
          env: PATH_ENV,
          onOutput: (c) => {
            assert.ok(c.seq > lastSeq);
            lastSeq = c.seq;
            bytes += c.bytes.length;
            hash.update(c.bytes);
          },
        });
        assert.deepEqual(await proc.wait(), { exitCode: 0 });
        const expected = execFileSync("seq", ["1", "300000"], { maxBuffer: 16 * MB });
        assert.ok(expected.length > 2_000_000 - 100_000);
        assert.equal(bytes, expected.length);
        assert.equal(hash.digest("hex"), createHash("sha256").update(expected).digest("hex"));
      } finally {
        await close();
      }
    });

    test("200 MB of output streams through with the server's buffers and the process's memory bounded", async () => {
      const { client, served, close } = await observedClient(kind);
      try {
        const total = 200 * 1000 * 1000;
        let maxRetained = 0;
        let maxBuffered = 0;
        const { result: bytes, growth } = await peakRssGrowth(async () => {
          let n = 0;
          const proc = await client.start({
            argv: ["head", "-c", String(total), "/dev/zero"],
            env: PATH_ENV,
            onOutput: (c) => {
              n += c.bytes.length;
              const stats = served.session.memoryStats();
              maxRetained = Math.max(maxRetained, stats.retainedOutputBytes);
              maxBuffered = Math.max(maxBuffered, stats.bufferedNotificationBytes);
            },
          });
          assert.deepEqual(await proc.wait(), { exitCode: 0 });
          return n;
        });
        assert.equal(bytes, total);
        assert.ok(maxRetained <= RETAINED, `retained ${maxRetained} bytes`);
        // Output pauses past the high-water mark; one burst of reads may overshoot it.
        assert.ok(maxBuffered < HIGH_WATER + 4 * MB, `buffered ${maxBuffered} bytes`);
        // Holding the output (or its base64 frames) would cost well over 200 MB; what remains is
        // garbage the GC has not yet collected.
        assert.ok(growth < 150 * MB, `RSS grew by ${(growth / MB).toFixed(1)} MB`);
        console.log(
          `# ${kind}: 200 MB streamed; server retained <= ${(maxRetained / MB).toFixed(1)} MB, ` +
            `unsent <= ${(maxBuffered / MB).toFixed(1)} MB; peak RSS growth ${(growth / MB).toFixed(1)} MB`,
        );
      } finally {
        await close();
      }
    });
  });
}
