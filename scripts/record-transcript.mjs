// Records a conformance transcript (shared/tools/conformance.mjs input) of a real stdio session
// with `spool app-server`: the handshake, model/list, config/read and the error cases that have
// a request id (frames that are not JSON cannot appear in a transcript).
// Usage: node scripts/record-transcript.mjs OUT.jsonl   (after `npm run build`)
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";

const out = process.argv[2] ?? "transcript.jsonl";
const lines = [];
const t0 = Date.now();
const main = new URL("../dist/cli/main.js", import.meta.url).pathname;
const child = spawn(process.execPath, [main, "app-server"], {
  env: { ...process.env, SPOOL_HOME: mkdtempSync(join(tmpdir(), "spool-transcript-")) },
  stdio: ["pipe", "pipe", "inherit"],
});
const server = { child };
const record = (dir) => (frame) =>
  lines.push(JSON.stringify({ t_ms: Date.now() - t0, dir, msg: JSON.parse(frame) }));
let buf = "";
server.child.stdout.on("data", (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf("\n")) >= 0) {
    record("server->client")(buf.slice(0, nl));
    buf = buf.slice(nl + 1);
  }
});
const send = (msg) => {
  const frame = JSON.stringify(msg);
  record("client->server")(frame);
  server.child.stdin.write(frame + "\n");
};
const trace = {
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  tracestate: "vendor=value",
};
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
send({ id: 1, method: "model/list", params: {}, trace });
send({
  id: 2,
  method: "initialize",
  params: {
    clientInfo: { name: "spool_conformance", title: null, version: "0.1.0" },
    capabilities: { experimentalApi: false, optOutNotificationMethods: ["thread/started"] },
  },
  trace,
});
await wait(200);
send({ method: "initialized" });
send({ id: 3, method: "initialize", params: { clientInfo: { name: "again", version: "1" } } });
send({ id: 4, method: "model/list", params: { limit: 2 }, trace });
send({ id: 5, method: "model/list", params: { includeHidden: true, cursor: null, limit: null } });
send({ id: 6, method: "config/read", params: { includeLayers: true }, trace });
send({ id: 7, method: "config/read", params: {} });
send({ id: 8, method: "no/such/method", params: {} });
// Invalid params the schema allows but the server rejects (-32602), so the client side stays conformant.
send({ id: 9, method: "model/list", params: { cursor: "not-a-cursor" } });
send({ id: 11, method: "model/list", params: { modelProvider: "no-such-provider" } });
send({ id: "ten", method: "model/list", params: {}, trace: { traceparent: "00-invalid" } });
await wait(500);
child.stdin.end();
await new Promise((r) => child.once("exit", r));
writeFileSync(out, lines.join("\n") + "\n");
console.log(`wrote ${lines.length} messages to ${out}`);
