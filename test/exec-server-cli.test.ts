import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { WebSocket } from "ws";
import {
  ExecServerClient,
  ExecServerUnavailableError,
  clientExecServerToken,
} from "../src/exec-server/index.js";
import { RpcConnection, WebSocketTransport } from "../src/rpc/index.js";
import { configureLogging } from "../src/telemetry/index.js";
import { CWD, PATH_ENV, waitPidGone, startUntilOutput } from "./support/exec-server.js";

// End-to-end: the compiled `spool exec-server` (run `npm run build` first).
configureLogging({ filter: "off" });
const started: ChildProcess[] = [];

after(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

interface Server {
  child: ChildProcess;
  url: string;
  stderrLines: string[];
  home: string;
  /** The token the server generated (and printed where), when none was configured. */
  token: string | undefined;
}

async function startServer(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const home = mkdtempSync(join(tmpdir(), "spool-exec-home-"));
  const child = spawn(
    process.execPath,
    ["dist/cli/main.js", "exec-server", "--listen", "ws://127.0.0.1:0", ...args],
    {
      env: { ...process.env, SPOOL_HOME: home, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  started.push(child);
  const stderrLines: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (l) => stderrLines.push(l));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) =>
      reject(new Error(`exec-server exited with ${code}: ${stderrLines.join("\n")}`)),
    );
  });
  const tokenFile = join(home, "exec-server.token");
  const token = existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : undefined;
  return { child, url, stderrLines, home, token };
}

/** Waits (briefly) for a stderr line matching `re`: stderr and stdout are read independently. */
async function exitOrLine(server: Server, re: RegExp): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!server.stderrLines.some((l) => re.test(l)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(
    server.stderrLines.some((l) => re.test(l)),
    server.stderrLines.join("\n"),
  );
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

test("spool exec-server prints its ws:// URL on stdout and serves /readyz", async () => {
  const server = await startServer();
  assert.match(server.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(`${server.url.replace("ws:", "http:")}/readyz`);
  assert.equal(res.status, 200);
  const forbidden = await fetch(`${server.url.replace("ws:", "http:")}/readyz`, {
    headers: { origin: "http://evil.example" },
  });
  assert.equal(forbidden.status, 403);
  server.child.kill("SIGTERM");
  await exitOf(server.child);
});

test("without a configured token the server generates one into a 0600 file; loopback clients without it get 401", async () => {
  const server = await startServer();
  try {
    const file = join(server.home, "exec-server.token");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(server.token ?? "", /^[A-Za-z0-9_-]{43}$/);
    await exitOrLine(server, /bearer token written to .*exec-server\.token/);
    await assert.rejects(ExecServerClient.connectWebSocket(server.url, { token: "wrong" }), /401/);
    // The client reads the same sources: here the file under the same SPOOL_HOME.
    assert.equal(clientExecServerToken({ SPOOL_HOME: server.home }), server.token);
    const client = await ExecServerClient.connectWebSocket(server.url, {
      token: clientExecServerToken({ SPOOL_HOME: server.home }),
    });
    const proc = await client.start({ argv: ["true"], env: PATH_ENV });
    assert.deepEqual(await proc.wait(), { exitCode: 0 });
    client.close();
  } finally {
    server.child.kill("SIGTERM");
    await exitOf(server.child);
  }
});

test("--insecure-no-auth serves loopback without a token and says so; off loopback it is refused", async () => {
  const server = await startServer(["--insecure-no-auth"]);
  try {
    await exitOrLine(server, /WARNING: --insecure-no-auth/);
    assert.equal(server.token, undefined);
    const client = await ExecServerClient.connectWebSocket(server.url, { token: "" });
    client.close();
  } finally {
    server.child.kill("SIGTERM");
    await exitOf(server.child);
  }
  const child = spawn(
    process.execPath,
    ["dist/cli/main.js", "exec-server", "--insecure-no-auth", "--listen", "ws://0.0.0.0:0"],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SPOOL_HOME: server.home } },
  );
  started.push(child);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  assert.equal(code, 2);
});

test("with --ws-token-file a client must present the token", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spool-exec-"));
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, "s3cret\n");
  const server = await startServer(["--ws-token-file", tokenFile]);
  try {
    await assert.rejects(ExecServerClient.connectWebSocket(server.url), (err: Error) => {
      assert.ok(err instanceof ExecServerUnavailableError);
      assert.ok(err.message.includes(server.url), err.message);
      assert.match(err.message, /401/);
      return true;
    });
    const client = await ExecServerClient.connectWebSocket(server.url, { token: "s3cret" });
    const proc = await client.start({ argv: ["true"], env: PATH_ENV });
    assert.deepEqual(await proc.wait(), { exitCode: 0 });
    client.close();
  } finally {
    server.child.kill("SIGTERM");
    await exitOf(server.child);
  }
});

test("timing events reach stderr under RUST_LOG's codex alias; the child continues the envelope's trace", async () => {
  const server = await startServer([], { RUST_LOG: "warn,codex_exec_server::telemetry=info" });
  try {
    const socket = new WebSocket(server.url, { headers: { Authorization: `Bearer ${server.token}` } });
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const outputs: string[] = [];
    let closed!: () => void;
    const done = new Promise<void>((resolve) => (closed = resolve));
    const conn = new RpcConnection(new WebSocketTransport(socket), {
      handler: {
        handleRequest: () => ({}),
        handleNotification(method, params) {
          const p = params as { chunk?: string };
          if (method === "process/output") outputs.push(Buffer.from(p.chunk!, "base64").toString());
          if (method === "process/closed") closed();
        },
      },
    }).start();
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    await conn.request("initialize", { clientName: "e2e" });
    conn.notify("initialized", {});
    await conn.request(
      "process/start",
      {
        processId: "tp",
        argv: ["sh", "-c", 'printf %s "$TRACEPARENT"'],
        cwd: CWD,
        env: PATH_ENV,
        tty: false,
        arg0: null,
      },
      { traceparent },
    );
    await done;
    // No exporter in the server: its request span is the non-recording continuation of the carrier.
    assert.equal(outputs.join("").split("-")[1], "0af7651916cd43dd8448eb211c80319c");
    conn.close();
    server.child.kill("SIGTERM");
    await exitOf(server.child);
    const events = server.stderrLines.filter((l) => l.includes("spool_exec_server::telemetry"));
    const start = events.find((l) => l.includes('method="process/start"'));
    assert.ok(start, events.join("\n"));
    assert.match(start, /event\.name="codex\.exec_server_request"/);
    assert.ok(start.includes(`traceparent="${traceparent}"`));
    assert.match(start, /result="success" duration_ms=\d+ duration_seconds=[\d.e-]+/);
    const proc = events.find((l) => l.includes('event.name="codex.exec_server_process"'));
    assert.ok(proc, events.join("\n"));
    assert.match(proc, /process_id="tp" trace_id="0af7651916cd43dd8448eb211c80319c" result="success"/);
  } finally {
    server.child.kill("SIGKILL");
  }
});

test("stopping spool exec-server with SIGTERM kills its processes, even ones ignoring SIGTERM", async () => {
  const server = await startServer();
  const client = await ExecServerClient.connectWebSocket(server.url, { token: server.token });
  const { output } = await startUntilOutput(client, {
    argv: ["sh", "-c", "trap '' TERM; echo $$; while :; do sleep 0.05; done"],
    env: PATH_ENV,
  });
  const out = output();
  const pid = Number(out.trim());
  server.child.kill("SIGTERM");
  await exitOf(server.child);
  assert.equal(server.child.exitCode, 143, "128 + SIGTERM, as the app-server");
  assert.equal(await waitPidGone(pid, 1000), true, `process ${pid} outlived its exec-server`);
});

test("a remote exec-server that goes away fails the running process with a message naming its URL", async () => {
  const server = await startServer();
  const client = await ExecServerClient.connectWebSocket(server.url, { token: server.token });
  const { proc, output } = await startUntilOutput(client, {
    argv: ["sh", "-c", "echo $$; exec sleep 30"],
    env: PATH_ENV,
  });
  const out = output();
  const pid = Number(out.trim());
  server.child.kill("SIGKILL");
  try {
    await assert.rejects(proc.wait(), (err: Error) => {
      assert.ok(err instanceof ExecServerUnavailableError);
      assert.ok(err.message.includes(`exec-server at ${server.url} went away`), err.message);
      return true;
    });
    await assert.rejects(client.start({ argv: ["true"] }), (err: Error) => err.message.includes(server.url));
  } finally {
    // A crashed server cannot clean up; the test does.
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
    await waitPidGone(pid);
  }
});
