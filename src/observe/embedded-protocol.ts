import type { SpanRecord } from "./records.js";
import type { RetentionSettings } from "./retention.js";

/** What the embedded store's worker is started with. */
export interface EmbeddedWorkerData {
  storePath: string;
  retention: RetentionSettings;
}

/** main → worker */
export type ToWorker =
  | { type: "export"; id: number; signal: "logs"; body: Uint8Array }
  | { type: "spans"; id: number; records: SpanRecord[] }
  | { type: "close" };

/** worker → main */
export type FromWorker =
  | { type: "ready" }
  | { type: "fatal"; message: string }
  | { type: "done"; id: number; error?: string }
  | { type: "closed" };
