import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { WebSocket } from "ws";
import { killSpawned, openWebSocket, spawnSpool, spawnWsAppServer } from "./support/spawned-servers.js";

after(killSpawned);

const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  SPOOL_HOME: mkdtempSync(join(tmpdir(), "spool-frames-home-")),
  OTEL_TRACES_EXPORTER: "none",
});

const BIG_ID = "9007199254740993"; // 2^53 + 1: a double would answer ...992

function nextText(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once("message", (d: Buffer) => resolve(d.toString("utf8"))));
}

test("stdio: invalid UTF-8 gets -32700, a huge integer id comes back byte for byte, the connection lives", async () => {
  const s = spawnSpool(["app-server"], env());
  const lines = createInterface({ input: s.child.stdout });
  const replies: string[] = [];
  const got = new Promise<void>((resolve) =>
    lines.on("line", (l) => {
      replies.push(l);
      if (replies.length === 3) resolve();
    }),
  );
  // Well-formed JSON around the bad bytes: decoding them to U+FFFD would have made it a request.
  s.child.stdin.write(
    Buffer.concat([Buffer.from('{"id":1,"method":"x'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]),
  );
  s.child.stdin.write(`{"id":${BIG_ID},"method":"model/list"}\n`);
  s.child.stdin.write(`{"id":12345678901234567890123,"method":"model/list"}\n`);
  await got;
  s.child.stdin.end();
  await s.exit;
  assert.match(
    replies[0]!,
    /^\{"id":null,"error":\{"code":-32700,"message":"Parse error: the frame is not valid UTF-8"/,
  );
  // Not initialized: still an answer, to exactly the id sent.
  assert.ok(replies[1]!.startsWith(`{"id":${BIG_ID},"error":`), replies[1]);
  assert.ok(replies[2]!.startsWith(`{"id":12345678901234567890123,"error":`), replies[2]);
});

test("websocket: invalid UTF-8 is -32700, oversize up to the hard cap is -32600, past it the close is logged", async () => {
  const s = await spawnWsAppServer(env(), "ws://127.0.0.1:0", [
    "--max-frame-bytes",
    "1024",
    "--frame-hard-cap-bytes",
    "65536",
  ]);
  const ws = await openWebSocket(s.url);
  try {
    let reply = nextText(ws);
    ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    assert.match(await reply, /"id":null,"error":\{"code":-32700/);

    reply = nextText(ws);
    ws.send(`{"id":1,"method":"model/list","params":{"pad":"${"x".repeat(10_000)}"}}`);
    assert.match(
      await reply,
      /"id":null,"error":\{"code":-32600,"message":"message of 100\d\d bytes exceeds the size limit"/,
    );

    reply = nextText(ws);
    ws.send(`{"id":${BIG_ID},"method":"model/list"}`);
    assert.ok((await reply).startsWith(`{"id":${BIG_ID},`));

    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.send("x".repeat(70_000));
    assert.equal(await closed, 1009);
    await new Promise((r) => setTimeout(r, 100));
    assert.match(s.stderr(), /websocket closed: frame over the hard cap/);
  } finally {
    ws.terminate();
    s.child.kill("SIGTERM");
    await s.exit;
  }
});

test("websocket: SIGTERM sends every client a close frame (1001) and exits 143", async () => {
  const s = await spawnWsAppServer(env());
  const ws = await openWebSocket(s.url);
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  s.child.kill("SIGTERM");
  assert.equal(await closed, 1001, "a close frame, not a dropped socket (1006)");
  assert.deepEqual(await s.exit, { code: 143, signal: null });
});
