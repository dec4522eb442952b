import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { SpanKind, trace } from "@opentelemetry/api";
import { ExecServerClient } from "../src/exec-server/index.js";
import { configureLogging, type LogRecord } from "../src/telemetry/index.js";
import { installInMemoryTracing } from "./support/in-memory-tracing.js";
import { CWD, KINDS, PATH_ENV, decode, initializedPeer, type Notification } from "./support/exec-server.js";

const { exporter, handle: tracing } = installInMemoryTracing();
const records: LogRecord[] = [];
let onRecord: (() => void) | undefined;
const sink = (r: LogRecord) => {
  records.push(r);
  onRecord?.();
};

/** Resolves once `n` events named `name` have been logged. */
function eventCount(name: string, n: number): Promise<void> {
  return new Promise((resolve) => {
    onRecord = () => {
      if (events(name).length < n) return;
      onRecord = undefined;
      resolve();
    };
    onRecord();
  });
}
configureLogging({ filter: "warn,codex_exec_server::telemetry=info", sink });

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN = "00f067aa0ba902b7";
const CARRIER = { traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01`, tracestate: "vendor=value" };

const events = (name: string) => records.filter((r) => r.fields?.["event.name"] === name);
const closedOf = (id: string) => (n: Notification) =>
  n.method === "process/closed" && n.params.processId === id;
const startParams = (processId: string, argv: string[]) => ({
  processId,
  argv,
  cwd: CWD,
  env: PATH_ENV,
  tty: false,
  arg0: null,
});

after(async () => {
  await tracing.shutdown();
});

for (const kind of KINDS) {
  describe(`exec-server timing events and tracing over ${kind}`, () => {
    before(() => {
      configureLogging({ filter: "warn,codex_exec_server::telemetry=info", sink });
    });
    afterEach(() => {
      records.length = 0;
      exporter.reset();
    });

    test("a process outliving its request: request event at the response, process event at exit", async () => {
      const peer = await initializedPeer(kind);
      try {
        await peer.conn.request("process/start", startParams("slow", ["sleep", "0.3"]), CARRIER);
        const requestEvents = events("codex.exec_server_request").filter(
          (r) => r.fields?.method === "process/start",
        );
        assert.equal(requestEvents.length, 1, "the request event is out when the response is");
        assert.equal(events("codex.exec_server_process").length, 0, "the process is still running");
        await peer.waitFor(closedOf("slow"));
        const [processEvent] = events("codex.exec_server_process");
        assert.ok(processEvent);
        assert.ok(records.indexOf(requestEvents[0]!) < records.indexOf(processEvent));

        const req = requestEvents[0]!;
        assert.equal(req.target, "spool_exec_server::telemetry");
        assert.equal(req.level, "info");
        assert.equal(req.message, "exec-server request completed");
        assert.equal(req.fields!.result, "success");
        assert.equal(typeof req.fields!.request_id, "string");
        assert.equal(req.fields!.traceparent, CARRIER.traceparent);
        const reqMs = req.fields!.duration_ms as number;
        assert.ok(Number.isInteger(reqMs) && reqMs < 300, `request took ${reqMs} ms`);
        assert.ok(Math.abs((req.fields!.duration_seconds as number) * 1000 - reqMs) < 1);

        assert.equal(processEvent.message, "exec-server process completed");
        assert.equal(processEvent.fields!.process_id, "slow");
        assert.equal(processEvent.fields!.trace_id, TRACE_ID);
        assert.equal(processEvent.fields!.result, "success");
        const procMs = processEvent.fields!.duration_ms as number;
        assert.ok(procMs >= 300, `the process ran ${procMs} ms`);
        assert.ok(procMs > reqMs);
        assert.ok(Math.abs((processEvent.fields!.duration_seconds as number) * 1000 - procMs) < 1);
      } finally {
        await peer.close();
      }
    });

    test("every request gets one event; errors are result=error; traceparent is '' without a carrier", async () => {
      const peer = await initializedPeer(kind);
      try {
        await peer.conn.request("environment/info");
        await assert.rejects(peer.conn.request("process/start", startParams("bad", [])));
        const byMethod = events("codex.exec_server_request").map((r) => [r.fields!.method, r.fields!.result]);
        assert.deepEqual(byMethod, [
          ["initialize", "success"],
          ["environment/info", "success"],
          ["process/start", "error"],
        ]);
        for (const r of events("codex.exec_server_request")) assert.equal(r.fields!.traceparent, "");
        // Notifications (initialized) are not requests and get no event.
        assert.equal(events("codex.exec_server_request").length, 3);
      } finally {
        await peer.close();
      }
    });

    test("each request runs in a SERVER span parented by its carrier; the child sees that span as TRACEPARENT", async () => {
      const peer = await initializedPeer(kind);
      try {
        await peer.conn.request(
          "process/start",
          startParams("tp", ["sh", "-c", 'printf "%s|%s" "$TRACEPARENT" "$TRACESTATE"']),
          CARRIER,
        );
        await peer.waitFor(closedOf("tp"));
        const span = exporter.getFinishedSpans().find((s) => s.name === "process/start");
        assert.ok(span, "a process/start span was exported");
        assert.equal(span.kind, SpanKind.SERVER);
        assert.equal(span.spanContext().traceId, TRACE_ID);
        assert.equal(span.parentSpanContext?.spanId, PARENT_SPAN);
        assert.equal(span.parentSpanContext?.isRemote, true);
        assert.equal(span.attributes["rpc.service"], "exec_server");
        assert.equal(span.attributes["rpc.method"], "process/start");
        assert.equal(span.attributes["rpc.transport"], kind);
        const [tp, ts] = decode(peer.notifications, "tp").split("|");
        assert.equal(tp, `00-${TRACE_ID}-${span.spanContext().spanId}-01`);
        assert.equal(ts, "vendor=value");
      } finally {
        await peer.close();
      }
    });

    test("process results: failed on non-zero exit, terminated on process/terminate and on connection close", async () => {
      const peer = await initializedPeer(kind);
      await peer.conn.request("process/start", startParams("fails", ["sh", "-c", "exit 4"]));
      await peer.waitFor(closedOf("fails"));
      await peer.conn.request("process/start", startParams("killed", ["sleep", "30"]));
      await peer.conn.request("process/terminate", { processId: "killed" });
      await peer.waitFor(closedOf("killed"));
      await peer.conn.request("process/start", startParams("orphan", ["sleep", "30"]));
      await peer.close();
      await eventCount("codex.exec_server_process", 3);
      const results = Object.fromEntries(
        events("codex.exec_server_process").map((r) => [r.fields!.process_id, r.fields!.result]),
      );
      assert.deepEqual(results, { fails: "failed", killed: "terminated", orphan: "terminated" });
    });

    test("with the target's INFO disabled, nothing is captured or emitted", async () => {
      configureLogging({ filter: "warn" });
      try {
        const peer = await initializedPeer(kind);
        await peer.conn.request("process/start", startParams("quiet", ["true"]), CARRIER);
        await peer.waitFor(closedOf("quiet"));
        await peer.close();
        assert.deepEqual(
          records.filter((r) => r.target === "spool_exec_server::telemetry"),
          [],
        );
      } finally {
        configureLogging({ filter: "warn,codex_exec_server::telemetry=info" });
      }
    });
  });
}

test("the spool target name selects the events as the codex alias does", async () => {
  configureLogging({ filter: "warn,spool_exec_server::telemetry=info", sink });
  const peer = await initializedPeer("in-process");
  await peer.close();
  assert.equal(events("codex.exec_server_request").length, 1);
  records.length = 0;
});

test("the client sends the current span as the carrier, so the server's span is its child", async () => {
  exporter.reset();
  const client = await ExecServerClient.inProcess();
  try {
    const parent = await trace.getTracer("spool-test").startActiveSpan("tool.call", async (span) => {
      const proc = await client.start({ argv: ["true"], env: PATH_ENV });
      await proc.wait();
      span.end();
      return span.spanContext();
    });
    const server = exporter.getFinishedSpans().find((s) => s.name === "process/start");
    assert.ok(server);
    assert.equal(server.spanContext().traceId, parent.traceId);
    assert.equal(server.parentSpanContext?.spanId, parent.spanId);
  } finally {
    client.close();
  }
});
