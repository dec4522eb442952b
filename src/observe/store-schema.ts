/**
 * The store's tables. Spans keep their OTLP fields with attributes, events and links as JSON
 * text; `traces` is a per-trace summary maintained at ingestion (what list pages read without
 * scanning spans), `trace_threads` ties traces to the threads their spans name, and `turns` holds
 * one row per turn span (`session_task.*`). Times are integer nanoseconds since the epoch.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE resources (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  attributes TEXT NOT NULL,
  service_name TEXT NOT NULL
);
CREATE TABLE spans (
  id INTEGER PRIMARY KEY,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT NOT NULL,
  trace_state TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  status_code INTEGER NOT NULL,
  status_message TEXT NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  attributes TEXT NOT NULL,
  events TEXT NOT NULL,
  links TEXT NOT NULL,
  scope TEXT NOT NULL,
  resource_id INTEGER NOT NULL REFERENCES resources(id),
  thread_id TEXT,
  turn_id TEXT,
  UNIQUE (trace_id, span_id)
);
CREATE INDEX spans_thread ON spans(thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX spans_turn ON spans(turn_id) WHERE turn_id IS NOT NULL;
CREATE TABLE traces (
  trace_id TEXT PRIMARY KEY,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  error_count INTEGER NOT NULL,
  root_name TEXT,
  service_name TEXT NOT NULL,
  client_name TEXT,
  bytes INTEGER NOT NULL,
  received_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX traces_received ON traces(received_ms);
CREATE TABLE trace_threads (
  thread_id TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  PRIMARY KEY (thread_id, trace_id)
) WITHOUT ROWID;
CREATE INDEX trace_threads_trace ON trace_threads(trace_id);
CREATE TABLE turns (
  turn_id TEXT PRIMARY KEY,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  thread_id TEXT,
  task TEXT NOT NULL,
  model TEXT,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  status TEXT NOT NULL,
  input_tokens INTEGER,
  cached_input_tokens INTEGER,
  output_tokens INTEGER,
  reasoning_output_tokens INTEGER,
  total_tokens INTEGER
) WITHOUT ROWID;
CREATE INDEX turns_trace ON turns(trace_id);
CREATE TABLE logs (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  severity_number INTEGER NOT NULL,
  severity_text TEXT NOT NULL,
  event_name TEXT NOT NULL,
  body TEXT,
  attributes TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  resource_id INTEGER NOT NULL REFERENCES resources(id),
  thread_id TEXT,
  turn_id TEXT,
  received_ms INTEGER NOT NULL
);
CREATE INDEX logs_trace ON logs(trace_id);
CREATE INDEX logs_thread ON logs(thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX logs_received ON logs(received_ms);
CREATE TABLE metric_points (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  unit TEXT NOT NULL,
  type TEXT NOT NULL,
  attributes TEXT NOT NULL,
  value REAL,
  count INTEGER,
  time_ns INTEGER NOT NULL,
  resource_id INTEGER NOT NULL REFERENCES resources(id),
  received_ms INTEGER NOT NULL
);
CREATE INDEX metric_points_name ON metric_points(name, time_ns);
CREATE INDEX metric_points_received ON metric_points(received_ms);
`;
