export type {
  ApiLog,
  ApiSpan,
  ApiSpanEvent,
  BundleRef,
  SessionRow,
  SpanTreeView,
  StoreStats,
  ThreadView,
  TraceSummary,
  TurnPoint,
} from "./api-types.js";
export { listBundles } from "./bundles.js";
export { createOtlpHandler } from "./otlp-http.js";
export type { OtlpHttpOptions, OtlpIngestCounters } from "./otlp-http.js";
export {
  MalformedOtlpError,
  logRecordsFromOtlp,
  metricPointsFromOtlp,
  spanRecordsFromOtlp,
} from "./otlp-records.js";
export type { IngestBatch, LogRecordRow, MetricPointRecord, SpanRecord } from "./records.js";
export { Retention } from "./retention.js";
export type { RetentionOptions, RetentionReport, RetentionSettings } from "./retention.js";
export { startObserveServer } from "./server.js";
export type { ObserveServer, ObserveServerOptions } from "./server.js";
export { ObserveStore, ObserveStoreError } from "./store.js";
export type { IngestResult, ObserveStoreOptions } from "./store.js";
export {
  listSessions,
  listTraces,
  resolveId,
  sessionById,
  spanById,
  storeStats,
  threadTraces,
  threadTurns,
  threadView,
  traceView,
} from "./store-queries.js";
export { orderTree } from "./trace-tree.js";
export type { TreeInput, TreeNode } from "./trace-tree.js";
export { createViewerHandler } from "./viewer-http.js";
export { formatSpanTree } from "./span-tree-text.js";
export { EmbeddedStoreError, startEmbeddedStore } from "./embedded-store.js";
export type { EmbeddedStore, EmbeddedStoreOptions } from "./embedded-store.js";
export { importLogText, parseLogEvents } from "./log-import.js";
export type { LogImportResult } from "./log-import.js";
export { TIMING_EVENTS, TIMING_EVENT_TARGETS, tapTimingEvents } from "./timing-tap.js";
