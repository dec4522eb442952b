import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { get } from "node:http";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { MAIN, killSpawned, spawnSpool } from "./support/spawned-servers.js";
import { exportSpans, recordTurnSpans } from "./support/observe.js";

after(killSpawned);

const run = promisify(execFile);

async function startObserve(home: string, extra: string[] = []) {
  const s = spawnSpool(["observe", "--port", "0", "--ui-port", "0", ...extra], {
    ...process.env,
    SPOOL_HOME: home,
  });
  const lines: string[] = [];
  const rl = createInterface({ input: s.child.stdout });
  await new Promise<void>((resolve, reject) => {
    rl.on("line", (l) => {
      lines.push(l);
      if (l.startsWith("  viewer")) resolve();
    });
    s.exit.then(({ code }) => reject(new Error(`observe exited ${code}: ${s.stderr()}`)), reject);
  });
  const otlp = /OTLP\/HTTP\s+(http:\/\/\S+)/.exec(lines.join("\n"))![1]!;
  const ui = /viewer\s+(http:\/\/\S+)/.exec(lines.join("\n"))![1]!;
  return { ...s, otlp, ui, lines };
}

test("spool observe stores what an OTLP exporter sends; the API lists the thread and trace show prints its tree", async () => {
  const home = mkdtempSync(join(tmpdir(), "spool-observe-cli-"));
  try {
    const observe = await startObserve(home);
    assert.match(observe.lines[0]!, new RegExp(`store ${join(home, "observe.sqlite")}`));
    const spans = recordTurnSpans({ threadId: "thr_cli", turnId: "turn_cli" });
    const exporter = new OTLPTraceExporter({ url: `${observe.otlp}/v1/traces` });
    assert.equal((await exportSpans(exporter, spans)).code, 0);
    await exporter.shutdown();

    const sessions = (await (await fetch(`${observe.ui}api/sessions`)).json()) as {
      threadId: string;
      turns: number;
    }[];
    assert.deepEqual(
      sessions.map((s) => [s.threadId, s.turns]),
      [["thr_cli", 1]],
    );
    // A page on another origin, or reached through a rebound DNS name, gets nothing.
    assert.equal(
      (await fetch(`${observe.ui}api/sessions`, { headers: { origin: "http://evil.example" } })).status,
      403,
    );
    const rebound = await new Promise<number>((resolve, reject) =>
      get(`${observe.ui}api/sessions`, { headers: { host: "evil.example" } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on("error", reject),
    );
    assert.equal(rebound, 403);

    const env = { ...process.env, SPOOL_HOME: home };
    const { stdout } = await run(process.execPath, [MAIN, "trace", "show", "thr_cli"], { env });
    const lines = stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^thread thr_cli: 1 trace\(s\), 8 span\(s\)/);
    assert.match(lines[1]!, /^\* turn\/start\s+\+\s+0\.0 ms\s+6\.0 ms {2}SERVER$/);
    assert.match(stdout, /\n\* {5}session_task\.turn\s+\+\s+2\.0 ms\s+898\.0 ms\n/);
    assert.match(stdout, /\n\* {9}codex\.process\.spawn\s/);
    assert.match(stdout, /\n {8}consume_startup_prewarm\s/, "off the critical path: no star");
    const traceId = spans[0]!.spanContext().traceId;
    const byTrace = await run(process.execPath, [MAIN, "trace", "show", traceId], { env });
    assert.match(byTrace.stdout, new RegExp(`^trace ${traceId}|^thread thr_cli`));

    await assert.rejects(
      run(process.execPath, [MAIN, "trace", "show", "nope"], { env }),
      (err: { code: number; stderr: string }) => {
        assert.equal(err.code, 2);
        assert.match(err.stderr, /no trace or thread nope/);
        return true;
      },
    );
    observe.child.kill("SIGTERM");
    assert.equal((await observe.exit).code, 143);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("spool observe refuses a non-loopback address", async () => {
  await assert.rejects(
    run(process.execPath, [MAIN, "observe", "--host", "0.0.0.0"]),
    (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /loopback only/);
      return true;
    },
  );
});
