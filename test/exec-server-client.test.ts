import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { ExecServerUnavailableError, type OutputChunk } from "../src/exec-server/index.js";
import { configureLogging } from "../src/telemetry/index.js";
import { KINDS, PATH_ENV, typedClient, waitPidGone, startUntilOutput } from "./support/exec-server.js";

configureLogging({ filter: "off" });

/** Resolves with the accumulated text once `pred` holds for it. */
function textUntil(chunks: OutputChunk[], pred: (text: string) => boolean, listen: (cb: () => void) => void) {
  return new Promise<string>((resolve) => {
    const check = () => {
      const text = Buffer.concat(chunks.map((c) => c.bytes)).toString();
      if (pred(text)) resolve(text);
    };
    listen(check);
    check();
  });
}

for (const kind of KINDS) {
  describe(`ExecServerClient over ${kind}`, () => {
    test("streams output as it arrives, writes stdin and awaits exit", async () => {
      const { client, close } = await typedClient(kind);
      try {
        const chunks: OutputChunk[] = [];
        let changed = () => {};
        const proc = await client.start({
          argv: ["sh", "-c", "echo first; read reply; echo second:$reply; exit 5"],
          env: PATH_ENV,
          pipeStdin: true,
          onOutput: (c) => {
            chunks.push(c);
            changed();
          },
        });
        // "first" arrives while the process is still blocked on stdin.
        await textUntil(
          chunks,
          (t) => t.includes("first"),
          (cb) => (changed = cb),
        );
        assert.equal(await proc.write("yes\n"), "accepted");
        assert.deepEqual(await proc.wait(), { exitCode: 5 });
        assert.equal(await proc.exited, 5);
        assert.equal(Buffer.concat(chunks.map((c) => c.bytes)).toString(), "first\nsecond:yes\n");
        assert.ok(chunks.every((c) => c.stream === "stdout"));
      } finally {
        await close();
      }
    });

    test("output before the first listener is replayed to it", async () => {
      const { client, close } = await typedClient(kind);
      try {
        const proc = await client.start({ argv: ["sh", "-c", "echo early"], env: PATH_ENV });
        await proc.exited;
        const seen: string[] = [];
        proc.onOutput((c) => seen.push(c.bytes.toString()));
        await proc.wait();
        assert.equal(seen.join(""), "early\n");
      } finally {
        await close();
      }
    });

    test("terminate, interrupt and a tty process through the client", async () => {
      const { client, close } = await typedClient(kind);
      try {
        const sleeper = await client.start({ argv: ["sleep", "30"], env: PATH_ENV });
        assert.equal(await sleeper.terminate(), true);
        assert.deepEqual(await sleeper.wait(), { exitCode: 143 });

        const { proc: tty, output } = await startUntilOutput(
          client,
          {
            argv: ["sh", "-c", "trap 'echo INT; exit 9' INT; echo ready; while :; do sleep 0.05; done"],
            env: PATH_ENV,
            tty: true,
          },
          "ready",
        );
        await tty.interrupt();
        assert.deepEqual(await tty.wait(), { exitCode: 9 });
        assert.match(output(), /INT/);
      } finally {
        await close();
      }
    });

    test("closing the connection kills the process group, background children included", async () => {
      const { client, close } = await typedClient(kind);
      const { proc, output } = await startUntilOutput(client, {
        argv: ["sh", "-c", "sleep 300 & echo $$ $!; wait"],
        env: PATH_ENV,
      });
      const out = output();
      const [leader, background] = out.trim().split(" ").map(Number) as [number, number];
      assert.ok(leader > 0 && background > 0);
      await close();
      await assert.rejects(proc.wait(), ExecServerUnavailableError);
      assert.equal(await waitPidGone(leader), true, `leader ${leader} still alive`);
      assert.equal(await waitPidGone(background), true, `background child ${background} still alive`);
    });

    test("aborting the signal terminates the process; the default environment drops secrets", async () => {
      const { client, close } = await typedClient(kind);
      process.env.SPOOL_TEST_API_KEY = "secret";
      process.env.SPOOL_TEST_VISIBLE = "visible";
      try {
        let out = "";
        const proc = await client.start({
          argv: ["sh", "-c", 'echo "${SPOOL_TEST_API_KEY:-unset} $SPOOL_TEST_VISIBLE"'],
          onOutput: (c) => (out += c.bytes.toString()),
        });
        await proc.wait();
        assert.equal(out, "unset visible\n");

        const controller = new AbortController();
        const sleeper = await client.start({
          argv: ["sleep", "30"],
          env: PATH_ENV,
          signal: controller.signal,
        });
        controller.abort();
        assert.deepEqual(await sleeper.wait(), { exitCode: 143 });
        await assert.rejects(client.start({ argv: ["true"], signal: controller.signal }), /abort/i);
      } finally {
        delete process.env.SPOOL_TEST_API_KEY;
        delete process.env.SPOOL_TEST_VISIBLE;
        await close();
      }
    });

    test("a failed start rejects with the server's error and the client stays usable", async () => {
      const { client, close } = await typedClient(kind);
      try {
        await assert.rejects(client.start({ argv: [] }), /argv must not be empty/);
        await assert.rejects(
          client.start({ argv: ["no-such-program-xyz"], env: PATH_ENV }),
          /failed to start/,
        );
        const ok = await client.start({ argv: ["true"], env: PATH_ENV });
        assert.deepEqual(await ok.wait(), { exitCode: 0 });
        assert.ok((await client.environmentInfo()).shell.path);
      } finally {
        await close();
      }
    });
  });
}

test("a remote that accepts TCP but never completes the handshake fails within the connect timeout, naming the URL", async () => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  const url = `ws://127.0.0.1:${(silent.address() as { port: number }).port}`;
  const { ExecServerClient } = await import("../src/exec-server/index.js");
  try {
    await assert.rejects(
      ExecServerClient.connectWebSocket(url, { connectTimeoutMs: 200 }),
      (e: unknown) => e instanceof ExecServerUnavailableError && e.message.includes(url),
    );
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});
