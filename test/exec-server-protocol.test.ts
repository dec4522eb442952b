import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { JsonRpcError } from "../src/rpc/index.js";
import { configureLogging } from "../src/telemetry/index.js";
import {
  CWD,
  KINDS,
  PATH_ENV,
  decode,
  initializedPeer,
  rawPeer,
  type Notification,
  type RawPeer,
} from "./support/exec-server.js";

configureLogging({ filter: "off" });

interface ReadResult {
  chunks: { seq: number; stream: string; chunk: string }[];
  nextSeq: number;
  exited: boolean;
  exitCode: number | null;
  closed: boolean;
  failure: string | null;
  sandboxDenied: boolean;
  droppedBytes: number;
}

function start(peer: RawPeer, processId: string, argv: string[], extra: Record<string, unknown> = {}) {
  return peer.conn.request<{ processId: string }>("process/start", {
    processId,
    argv,
    cwd: CWD,
    env: PATH_ENV,
    tty: false,
    arg0: null,
    ...extra,
  });
}

const closedOf = (id: string) => (n: Notification) =>
  n.method === "process/closed" && n.params.processId === id;

async function rejectsWith(promise: Promise<unknown>, code: number, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof JsonRpcError, `expected a JsonRpcError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

for (const kind of KINDS) {
  describe(`exec-server protocol over ${kind}`, () => {
    let peer: RawPeer;
    before(async () => {
      peer = await initializedPeer(kind);
    });
    after(async () => {
      await peer.close();
    });

    test("requests before initialize get -32600 Not initialized; a second initialize is refused", async () => {
      const fresh = await rawPeer(kind);
      try {
        await rejectsWith(start(fresh, "p", ["true"]), -32600, /Not initialized/);
        const init = await fresh.conn.request<{ sessionId: string }>("initialize", { clientName: "t" });
        assert.match(init.sessionId, /^[0-9a-f-]{36}$/);
        await rejectsWith(
          fresh.conn.request("initialize", { clientName: "t" }),
          -32600,
          /Already initialized/,
        );
        await rejectsWith(
          fresh.conn.request("initialize", { clientName: "t", resumeSessionId: "x" }),
          -32600,
          /Already initialized/,
        );
      } finally {
        await fresh.close();
      }
    });

    test("a notification other than initialized gets an error with id -1 and the connection lives", async () => {
      peer.conn.notify("process/bogus", {});
      const info = await peer.conn.request<{ shell: { name: string; path: string }; cwd: string }>(
        "environment/info",
      );
      const stray = peer.frames.map((f) => JSON.parse(f) as { id?: number; error?: { code: number } });
      assert.ok(stray.some((m) => m.id === -1 && m.error?.code === -32600));
      assert.ok(info.shell.path.length > 0 && info.shell.name.length > 0);
      assert.equal(info.cwd, CWD);
    });

    test("process/start streams output, exited and closed with per-process seq from 1", async () => {
      const res = await start(peer, "echo", ["sh", "-c", "printf out; printf err >&2; exit 3"]);
      assert.deepEqual(res, { processId: "echo" });
      await peer.waitFor(closedOf("echo"));
      const mine = peer.notifications.filter((n) => n.params.processId === "echo");
      const seqs = mine.map((n) => n.params.seq as number);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => i + 1),
      );
      const outputs = mine.filter((n) => n.method === "process/output");
      assert.deepEqual(new Set(outputs.map((n) => n.params.stream)), new Set(["stdout", "stderr"]));
      const exited = mine.find((n) => n.method === "process/exited")!;
      assert.equal(exited.params.exitCode, 3);
      assert.equal(mine.at(-1)!.method, "process/closed");

      const read = await peer.conn.request<ReadResult>("process/read", {
        processId: "echo",
        afterSeq: null,
        maxBytes: null,
        waitMs: null,
      });
      assert.equal(read.exited, true);
      assert.equal(read.exitCode, 3);
      assert.equal(read.closed, true);
      assert.equal(read.failure, null);
      assert.equal(read.sandboxDenied, false);
      assert.equal(read.droppedBytes, 0);
      const text = read.chunks.map((c) => `${c.stream}:${Buffer.from(c.chunk, "base64").toString()}`).sort();
      assert.deepEqual(text, ["stderr:err", "stdout:out"]);
      const after = await peer.conn.request<ReadResult>("process/read", {
        processId: "echo",
        afterSeq: read.nextSeq - 1,
        maxBytes: 1,
        waitMs: 0,
      });
      assert.deepEqual(after.chunks, []);
      assert.equal(after.nextSeq, seqs.length + 1);
    });

    test("process/read long-polls until output arrives, while writes on the same connection proceed", async () => {
      await start(peer, "cat", ["cat"], { pipeStdin: true });
      const began = Date.now();
      const pending = peer.conn.request<ReadResult>("process/read", {
        processId: "cat",
        afterSeq: 0,
        maxBytes: null,
        waitMs: 10_000,
      });
      const write = await peer.conn.request<{ status: string }>("process/write", {
        processId: "cat",
        chunk: Buffer.from("ping\n").toString("base64"),
        writeId: "w1",
      });
      assert.deepEqual(write, { status: "accepted" });
      const read = await pending;
      assert.ok(Date.now() - began < 9_000, "the read returned on output, not at its deadline");
      assert.equal(Buffer.from(read.chunks[0]!.chunk, "base64").toString(), "ping\n");
      assert.equal(read.exited, false);
      const term = await peer.conn.request("process/terminate", { processId: "cat" });
      assert.deepEqual(term, { running: true });
      await peer.waitFor(closedOf("cat"));
    });

    test("process/read with waitMs returns empty at its deadline when nothing happens", async () => {
      await start(peer, "quiet", ["sleep", "5"]);
      const began = Date.now();
      const read = await peer.conn.request<ReadResult>("process/read", {
        processId: "quiet",
        afterSeq: 0,
        maxBytes: null,
        waitMs: 150,
      });
      assert.ok(Date.now() - began >= 140);
      assert.deepEqual(read.chunks, []);
      assert.equal(read.exited, false);
      await peer.conn.request("process/terminate", { processId: "quiet" });
      await peer.waitFor(closedOf("quiet"));
    });

    test("process/write to an unknown process or one without stdin is an error; the connection lives", async () => {
      await assert.rejects(
        peer.conn.request("process/write", { processId: "nope", chunk: "", writeId: "w" }),
        (e: unknown) =>
          e instanceof JsonRpcError && e.code === -32600 && /unknown process id nope/.test(e.message),
      );
      await start(peer, "nostdin", ["sleep", "5"]);
      await assert.rejects(
        peer.conn.request("process/write", {
          processId: "nostdin",
          chunk: Buffer.from("x").toString("base64"),
          writeId: "w",
        }),
        (e: unknown) => e instanceof JsonRpcError && e.code === -32600 && /has no stdin/.test(e.message),
      );
      await peer.conn.request("process/terminate", { processId: "nostdin" });
      await peer.waitFor(closedOf("nostdin"));
      await start(peer, "piped", ["true"], { pipeStdin: true });
      await peer.waitFor(closedOf("piped"));
      const after = await peer.conn.request("process/write", {
        processId: "piped",
        chunk: Buffer.from("x").toString("base64"),
        writeId: "w2",
      });
      assert.deepEqual(after, { status: "stdinClosed" }, "a piped stdin that has since closed is a status");
    });

    test("a tty: true process runs on a pty, reads what is written and reports stream pty", async () => {
      await start(peer, "tty", ["sh", "-c", "tty; read line; echo got:$line"], { tty: true });
      await peer.waitFor((n) => n.params.processId === "tty" && n.method === "process/output");
      const w = await peer.conn.request("process/write", {
        processId: "tty",
        chunk: Buffer.from("hello\n").toString("base64"),
        writeId: "w",
      });
      assert.deepEqual(w, { status: "accepted" });
      await peer.waitFor(closedOf("tty"));
      const mine = peer.notifications.filter((n) => n.params.processId === "tty");
      assert.ok(mine.filter((n) => n.method === "process/output").every((n) => n.params.stream === "pty"));
      const out = decode(peer.notifications, "tty");
      assert.match(out, /^\/dev\/pts\/\d+/);
      assert.match(out, /got:hello/);
      assert.equal(mine.find((n) => n.method === "process/exited")!.params.exitCode, 0);
    });

    test("process/signal interrupt delivers SIGINT to the process", async () => {
      await start(peer, "int", [
        "sh",
        "-c",
        "trap 'echo caught; exit 7' INT; echo ready; while :; do sleep 0.05; done",
      ]);
      await peer.waitFor((n) => n.params.processId === "int" && n.method === "process/output");
      assert.deepEqual(
        await peer.conn.request("process/signal", { processId: "int", signal: "interrupt" }),
        {},
      );
      const exited = await peer.waitFor((n) => n.method === "process/exited" && n.params.processId === "int");
      assert.equal(exited.params.exitCode, 7);
      await peer.waitFor(closedOf("int"));
      assert.match(decode(peer.notifications, "int"), /caught/);
    });

    test("process/terminate kills a running process; unknown or exited processes answer running: false", async () => {
      await start(peer, "term", ["sleep", "30"]);
      assert.deepEqual(await peer.conn.request("process/terminate", { processId: "term" }), {
        running: true,
      });
      const exited = await peer.waitFor(
        (n) => n.method === "process/exited" && n.params.processId === "term",
      );
      assert.equal(exited.params.exitCode, 128 + 15);
      await peer.waitFor(closedOf("term"));
      assert.deepEqual(await peer.conn.request("process/terminate", { processId: "term" }), {
        running: false,
      });
      assert.deepEqual(await peer.conn.request("process/terminate", { processId: "ghost" }), {
        running: false,
      });
    });

    test("terminate escalates to SIGKILL after the grace period when SIGTERM is ignored", async () => {
      const fast = await initializedPeer(kind, { terminateGraceMs: 200 });
      try {
        await start(fast, "stubborn", ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"]);
        await fast.waitFor((n) => n.method === "process/output");
        assert.deepEqual(await fast.conn.request("process/terminate", { processId: "stubborn" }), {
          running: true,
        });
        const exited = await fast.waitFor((n) => n.method === "process/exited");
        assert.equal(exited.params.exitCode, 128 + 9);
      } finally {
        await fast.close();
      }
    });

    // Plus the one tag that lets the server find descendants which left the child's group.
    const envLines = (id: string) =>
      decode(peer.notifications, id)
        .trim()
        .split("\n")
        .filter((l) => !/^SPOOL_EXEC_PROCESS_TAG=[0-9a-f-]{36}:[0-9a-f-]{36}$/.test(l))
        .sort();

    test("the environment is exactly env (and the process tag) without envPolicy, and policy-built with one", async () => {
      await start(peer, "env1", ["/usr/bin/env"], { env: { ONLY: "1" } });
      await peer.waitFor(closedOf("env1"));
      assert.match(decode(peer.notifications, "env1"), /^SPOOL_EXEC_PROCESS_TAG=/m);
      assert.deepEqual(envLines("env1"), ["ONLY=1"]);
      await start(peer, "env2", ["/usr/bin/env"], {
        env: { B: "overlay" },
        envPolicy: {
          inherit: "none",
          ignoreDefaultExcludes: false,
          exclude: [],
          set: { A: "a", B: "set" },
          includeOnly: [],
        },
      });
      await peer.waitFor(closedOf("env2"));
      assert.deepEqual(envLines("env2"), ["A=a", "B=overlay"]);
    });

    test("arg0 sets the argv[0] the program sees", async () => {
      await start(peer, "arg0", ["sh", "-c", "echo $0"], { arg0: "custom-name" });
      await peer.waitFor(closedOf("arg0"));
      assert.equal(decode(peer.notifications, "arg0").trim(), "custom-name");
    });

    test("bad requests get the spec's errors and the connection lives", async () => {
      await start(peer, "dup", ["sleep", "5"]);
      await rejectsWith(start(peer, "dup", ["true"]), -32602, /already exists/);
      await rejectsWith(start(peer, "empty", []), -32602, /argv must not be empty/);
      await rejectsWith(start(peer, "rel", ["true"], { cwd: "tmp" }), -32602, /file:\/\/ URI/);
      await rejectsWith(start(peer, "bare", ["true"], { cwd: "/tmp" }), -32602, /file:\/\/ URI/);
      await rejectsWith(
        start(peer, "sb", ["true"], { sandbox: { mode: "read-only" } }),
        -32602,
        /unsupported.*sandbox/,
      );
      await rejectsWith(
        start(peer, "net", ["true"], { enforceManagedNetwork: true }),
        -32602,
        /enforceManagedNetwork/,
      );
      await rejectsWith(start(peer, "ptyarg0", ["true"], { tty: true, arg0: "x" }), -32602, /arg0/);
      await rejectsWith(start(peer, "types", ["true"], { argv: "true" }), -32602, /argv/);
      await rejectsWith(start(peer, "nul", ["echo", "a\0b"]), -32602, /argv\[1\].*NUL/);
      await rejectsWith(start(peer, "nulenv", ["true"], { env: { X: "a\0b" } }), -32602, /NUL/);
      await rejectsWith(start(peer, "missing", ["definitely-not-a-command-xyz"]), -32603, /failed to start/);
      await rejectsWith(
        start(peer, "missing", ["definitely-not-a-command-xyz"], { tty: true }),
        -32603,
        /failed to start.*not found/,
      );
      await rejectsWith(
        start(peer, "missing", ["true"], { cwd: `${CWD}/no-such-dir` }),
        -32603,
        /cwd .*no-such-dir does not exist/,
      );
      await rejectsWith(
        peer.conn.request("process/read", { processId: "nope", afterSeq: 0, maxBytes: null, waitMs: 0 }),
        -32600,
        /unknown process id nope/,
      );
      await rejectsWith(peer.conn.request("process/signal", { processId: "dup", signal: "kill" }), -32602);
      await rejectsWith(peer.conn.request("fs/readFile", { path: CWD }), -32601);
      // The failed start left no trace: the id is free again.
      assert.deepEqual(await start(peer, "missing", ["true"]), { processId: "missing" });
      await peer.conn.request("process/terminate", { processId: "dup" });
      const info = await peer.conn.request<{ shell: unknown }>("environment/info");
      assert.ok(info.shell);
    });

    test("the output ring is bounded and process/read reports the bytes it dropped", async () => {
      const small = await initializedPeer(kind, { retainedOutputBytes: 4096 });
      try {
        await start(small, "big", ["sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a"]);
        await small.waitFor(closedOf("big"));
        const read = await small.conn.request<ReadResult>("process/read", {
          processId: "big",
          afterSeq: 0,
          maxBytes: null,
          waitMs: 0,
        });
        const kept = read.chunks.reduce((n, c) => n + Buffer.from(c.chunk, "base64").length, 0);
        assert.ok(kept <= 4096, `kept ${kept} bytes`);
        assert.ok(read.droppedBytes > 0);
        assert.equal(kept + read.droppedBytes, 100_000);
        // Everything still reached the client as notifications.
        assert.equal(decode(small.notifications, "big").length, 100_000);
      } finally {
        await small.close();
      }
    });
  });
}
