import { parentPort, workerData } from "node:worker_threads";
import { decodeOtlpProtobuf } from "../otlp-receiver/index.js";
import type { EmbeddedWorkerData, FromWorker, ToWorker } from "./embedded-protocol.js";
import { logRecordsFromOtlp, spanProblem } from "./otlp-records.js";
import { Retention } from "./retention.js";
import { ObserveStore } from "./store.js";

// The embedded store's writer: stores the span records and decodes the OTLP protobuf log batches
// the app-server hands over, off its event loop. One message at a time, in order.
const port = parentPort!;
const data = workerData as EmbeddedWorkerData;
const send = (m: FromWorker) => port.postMessage(m);

let store: ObserveStore;
try {
  store = ObserveStore.open(data.storePath);
} catch (err) {
  send({ type: "fatal", message: (err as Error).message });
  process.exit(0);
}
const retention = new Retention(store, data.retention);
retention.start();
send({ type: "ready" });

let queue = Promise.resolve();
port.on("message", (m: ToWorker) => {
  queue = queue.then(async () => {
    if (m.type === "close") {
      retention.stop();
      store.close();
      send({ type: "closed" });
      port.close();
      return;
    }
    try {
      if (m.type === "spans") {
        store.insertSpans(
          m.records.filter(
            (s) => !spanProblem(s.name, s.traceId, s.spanId, s.parentSpanId, s.startNs, s.endNs),
          ),
        );
      } else {
        store.insertLogs(logRecordsFromOtlp(await decodeOtlpProtobuf("/v1/logs", m.body)).records);
      }
      send({ type: "done", id: m.id });
    } catch (err) {
      send({ type: "done", id: m.id, error: (err as Error).message });
    }
  });
});
