import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { configureLogging, type LogRecord } from "../telemetry/index.js";
import { bearerMatches, isLoopbackHost, listenWebSocket } from "./websocket-server.js";

const UPGRADE =
  "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

function healthz(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path: "/healthz" }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on("error", reject)
      .end();
  });
}

test("clients that reset the connection while their handshake is refused cannot crash the server", async () => {
  const warnings: LogRecord[] = [];
  configureLogging({ filter: "warn", sink: (r) => warnings.push(r) });
  const listener = await listenWebSocket({ host: "127.0.0.1", port: 0, token: "tok", onConnection() {} });
  try {
    await Promise.all(
      Array.from(
        { length: 100 },
        () =>
          new Promise<void>((resolve) => {
            const s = connect(listener.port, "127.0.0.1", () => {
              s.write(UPGRADE);
              s.resetAndDestroy();
            });
            s.on("error", () => {});
            s.on("close", () => resolve());
          }),
      ),
    );
    // Give the server's refusals time to hit the reset sockets; an unhandled error fails this test.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await healthz(listener.port), 200);
    assert.ok(warnings.length > 0 && warnings.every((w) => /bad or missing bearer token/.test(w.message)));
  } finally {
    await listener.close();
  }
});

test("loopback detection and constant-time bearer matching", () => {
  assert.deepEqual(
    ["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost", "0.0.0.0", "10.0.0.1", "::"].map(isLoopbackHost),
    [true, true, true, true, true, false, false, false],
  );
  assert.equal(bearerMatches("Bearer tok", "tok"), true);
  assert.equal(bearerMatches("bearer  tok ", "tok"), true);
  assert.equal(bearerMatches("Bearer tokx", "tok"), false);
  assert.equal(bearerMatches("Basic tok", "tok"), false);
  assert.equal(bearerMatches(undefined, "tok"), false);
});
