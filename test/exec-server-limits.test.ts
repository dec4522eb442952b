import { after, test } from "node:test";
import assert from "node:assert/strict";
import { WebSocket } from "ws";
import { listenExecServer } from "../src/exec-server/index.js";
import { JsonRpcError, RpcConnection, WebSocketTransport } from "../src/rpc/index.js";
import { configureLogging } from "../src/telemetry/index.js";
import {
  AUTH_HEADERS,
  TEST_TOKEN,
  CWD,
  PATH_ENV,
  initializedPeer,
  pidGone,
  waitPidGone,
  type RawPeer,
} from "./support/exec-server.js";

configureLogging({ filter: "off" });

const peers: RawPeer[] = [];
after(async () => {
  for (const p of peers) await p.close().catch(() => {});
});

async function peer(options: Parameters<typeof initializedPeer>[1]): Promise<RawPeer> {
  const p = await initializedPeer("websocket", options);
  peers.push(p);
  return p;
}

function start(conn: RpcConnection, processId: string, argv: string[], extra: Record<string, unknown> = {}) {
  return conn.request<{ processId: string }>("process/start", {
    processId,
    argv,
    cwd: CWD,
    env: PATH_ENV,
    tty: false,
    arg0: null,
    ...extra,
  });
}

async function rejectsWithCode(promise: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof JsonRpcError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

test("a connection past its process limit gets -32001 naming the limit, and a slot frees when one exits", async () => {
  const p = await peer({ maxProcesses: 3 });
  for (const id of ["a", "b", "c"]) await start(p.conn, id, ["sleep", "30"]);
  await rejectsWithCode(start(p.conn, "d", ["sleep", "30"]), -32001, /process limit reached: 3 .*max 3/);
  await p.conn.request("process/terminate", { processId: "a" });
  await p.waitFor((n) => n.method === "process/exited" && n.params.processId === "a");
  await start(p.conn, "d", ["sleep", "30"]);
});

test("the server-wide process limit holds across connections", async () => {
  const server = await listenExecServer({ port: 0, token: TEST_TOKEN, maxTotalProcesses: 2 });
  const conns: RpcConnection[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const socket = new WebSocket(server.url, { headers: AUTH_HEADERS });
      await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
      const conn = new RpcConnection(new WebSocketTransport(socket)).start();
      await conn.request("initialize", { clientName: "t" });
      conns.push(conn);
    }
    await start(conns[0]!, "x", ["sleep", "30"]);
    await start(conns[1]!, "y", ["sleep", "30"]);
    await rejectsWithCode(start(conns[1]!, "z", ["sleep", "30"]), -32001, /on this exec-server \(max 2\)/);
  } finally {
    for (const c of conns) c.close();
    await server.close();
  }
});

test("retained output stays under the per-connection cap however many processes print", async () => {
  const p = await peer({ maxRetainedOutputBytes: 1024 * 1024, retainedOutputBytes: 4 * 1024 * 1024 });
  const served = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      start(p.conn, `p${i}`, ["sh", "-c", "head -c 1048576 /dev/zero"]).then(() =>
        p.waitFor((n) => n.method === "process/closed" && n.params.processId === `p${i}`),
      ),
    ),
  );
  assert.equal(served.length, 8);
  let retained = 0;
  let dropped = 0;
  for (let i = 0; i < 8; i++) {
    const r = await p.conn.request<{ chunks: { chunk: string }[]; droppedBytes: number }>("process/read", {
      processId: `p${i}`,
      afterSeq: 0,
    });
    // Each read returns chunks up to maxBytes (unbounded here), so this is all it retains.
    retained += r.chunks.reduce((n, c) => n + Buffer.from(c.chunk, "base64").length, 0);
    dropped += r.droppedBytes;
  }
  assert.ok(retained <= 1024 * 1024, `retained ${retained} bytes over the 1 MiB cap`);
  assert.equal(retained + dropped, 8 * 1024 * 1024, "every evicted byte is reported as dropped");
});

test("a write to a child that never reads is refused promptly past the pending-stdin limit", async () => {
  const p = await peer({ maxPendingStdinBytes: 256 * 1024 });
  await start(p.conn, "deaf", ["sleep", "30"], { pipeStdin: true });
  const chunk = Buffer.alloc(64 * 1024, 0x61).toString("base64");
  const t0 = Date.now();
  let accepted = 0;
  let refused: unknown;
  for (let i = 0; i < 20 && !refused; i++) {
    try {
      const r = await p.conn.request<{ status: string }>("process/write", {
        processId: "deaf",
        chunk,
        writeId: `w${i}`,
      });
      assert.equal(r.status, "accepted");
      accepted++;
    } catch (err) {
      refused = err;
    }
  }
  assert.ok(refused instanceof JsonRpcError, "a write past the limit was refused");
  assert.equal(refused.code, -32001);
  assert.match(refused.message, /stdin of process deaf has \d+ bytes not yet read .*max 262144/);
  // The pipe's kernel buffer takes some (64 KiB and up); the rest queues up to the 256 KiB limit.
  assert.ok(accepted >= 4 && accepted <= 8, `accepted ${accepted}`);
  assert.ok(Date.now() - t0 < 5000, "every write was answered promptly");
});

test("a huge waitMs is clamped: the read returns at the cap, without a timer overflow", async () => {
  const p = await peer({ maxWaitMs: 300 });
  await start(p.conn, "quiet", ["sleep", "30"]);
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on("warning", onWarning);
  try {
    const t0 = Date.now();
    const r = await p.conn.request<{ chunks: unknown[] }>("process/read", {
      processId: "quiet",
      afterSeq: 0,
      waitMs: 2 ** 40,
    });
    const took = Date.now() - t0;
    assert.deepEqual(r.chunks, []);
    assert.ok(took >= 250 && took < 2000, `read took ${took} ms`);
    assert.deepEqual(warnings, []);
  } finally {
    process.off("warning", onWarning);
  }
});

test("a descendant that calls setsid is still killed when the connection closes", async () => {
  const p = await initializedPeer("websocket", { terminateGraceMs: 300 });
  await start(p.conn, "daemon", [
    "sh",
    "-c",
    "setsid sh -c 'echo $$; exec sleep 60' > /dev/null 2>&1 < /dev/null & echo $!; wait",
  ]);
  const out = await p.waitFor((n) => n.method === "process/output" && n.params.processId === "daemon");
  const pid = Number(
    Buffer.from(out.params.chunk as string, "base64")
      .toString()
      .trim(),
  );
  assert.ok(pid > 0 && !pidGone(pid));
  // It left the child's group and session: a group kill alone cannot reach it.
  await p.close();
  assert.equal(await waitPidGone(pid, 3000), true, `setsid descendant ${pid} outlived its connection`);
});
