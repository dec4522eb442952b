import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { SCHEMA_SQL, SCHEMA_VERSION } from "./store-schema.js";
import {
  threadIdOf,
  traceIdFromFields,
  turnIdOf,
  type LogRecordRow,
  type MetricPointRecord,
  type SpanRecord,
} from "./records.js";

type Db = Database.Database;

/** The store file cannot be opened or written (not a database, newer schema, disk full). */
export class ObserveStoreError extends Error {
  override readonly name = "ObserveStoreError";
}

export interface ObserveStoreOptions {
  /** Open without creating or migrating (readers such as `spool trace show`). */
  readonly?: boolean;
  /** Clock for `received_ms` (tests of retention). */
  now?: () => number;
}

/** What one ingestion wrote. */
export interface IngestResult {
  spans: number;
  /** Spans already in the store (an exporter's retry): ignored. */
  duplicates: number;
}

interface TraceAgg {
  start: bigint;
  end: bigint;
  spans: number;
  errors: number;
  rootName: string | null;
  serviceName: string;
  clientName: string | null;
  bytes: number;
}

const TURN_SPAN = /^session_task\.(.+)$/;

function intAttr(attrs: Record<string, unknown>, key: string): number | null {
  const v = attrs[key];
  return typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : null;
}

function strAttr(attrs: Record<string, unknown>, key: string): string | null {
  const v = attrs[key];
  return typeof v === "string" && v !== "" ? v : null;
}

/**
 * A turn's outcome from its span: an explicit `turn.status` / `codex.turn.status` attribute
 * wins; otherwise ERROR status means failed. Codex sets neither on interrupted turns, so those
 * read as completed unless the producer says otherwise.
 */
function turnStatus(span: SpanRecord): string {
  const explicit = strAttr(span.attributes, "turn.status") ?? strAttr(span.attributes, "codex.turn.status");
  if (explicit) return explicit;
  return span.statusCode === 2 ? "failed" : "completed";
}

/**
 * The local trace store: one SQLite file (WAL) of spans, `codex.*`/`spool_*` log records and
 * metric points, indexed by trace, thread and turn. Every ingestion is one transaction, so a
 * failed or refused request leaves nothing half-written.
 *
 * @example
 * const store = ObserveStore.open(join(spoolHome(), "observe.sqlite"));
 * store.insertSpans(spanRecordsFromOtlp(body).records);
 */
export class ObserveStore {
  readonly db: Db;
  private readonly now: () => number;
  private readonly resourceIds = new Map<string, number>();
  private closed = false;

  private constructor(db: Db, now: () => number) {
    this.db = db;
    this.now = now;
  }

  static open(path: string, options: ObserveStoreOptions = {}): ObserveStore {
    let db: Db;
    try {
      if (!options.readonly && path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      db = new Database(path, {
        readonly: options.readonly ?? false,
        fileMustExist: options.readonly ?? false,
      });
    } catch (err) {
      throw new ObserveStoreError(`cannot open observe store ${path}: ${(err as Error).message}`);
    }
    try {
      if (!options.readonly) {
        // Incremental auto-vacuum must be chosen before the first table exists.
        db.pragma("auto_vacuum = INCREMENTAL");
        db.pragma("journal_mode = WAL");
        db.pragma("synchronous = NORMAL");
      }
      db.pragma("busy_timeout = 5000");
      const version = db.pragma("user_version", { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new ObserveStoreError(
          `observe store ${path} has schema ${version}, newer than this Spool's ${SCHEMA_VERSION}`,
        );
      }
      if (version === 0) {
        if (options.readonly) throw new ObserveStoreError(`observe store ${path} is empty`);
        db.transaction(() => {
          db.exec(SCHEMA_SQL);
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
        })();
      }
    } catch (err) {
      db.close();
      if (err instanceof ObserveStoreError) throw err;
      throw new ObserveStoreError(`cannot open observe store ${path}: ${(err as Error).message}`);
    }
    return new ObserveStore(db, options.now ?? Date.now);
  }

  /** Records of one request share their resource object: look it up once per request, not per span. */
  private byResourceObject = new WeakMap<object, number>();

  private resourceId(resource: Record<string, unknown>): number {
    const cached = this.byResourceObject.get(resource);
    if (cached !== undefined) return cached;
    const id = this.resourceIdByKey(resource);
    this.byResourceObject.set(resource, id);
    return id;
  }

  private resourceIdByKey(resource: Record<string, unknown>): number {
    const key = JSON.stringify(resource);
    let id = this.resourceIds.get(key);
    if (id !== undefined) return id;
    const row = this.stmt("SELECT id FROM resources WHERE key = ?").get(key) as { id: number } | undefined;
    if (row) id = row.id;
    else {
      const service = typeof resource["service.name"] === "string" ? resource["service.name"] : "";
      id = Number(
        this.stmt("INSERT INTO resources (key, attributes, service_name) VALUES (?, ?, ?)").run(
          key,
          key,
          service,
        ).lastInsertRowid,
      );
    }
    this.resourceIds.set(key, id);
    return id;
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, cached by its text. */
  stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Stores spans in one transaction; spans already stored (same trace and span id) are ignored. */
  insertSpans(spans: readonly SpanRecord[]): IngestResult {
    if (spans.length === 0) return { spans: 0, duplicates: 0 };
    const run = this.db.transaction((batch: readonly SpanRecord[]) => {
      const insert = this.stmt(
        `INSERT OR IGNORE INTO spans (trace_id, span_id, parent_span_id, trace_state, name, kind, status_code,
           status_message, start_ns, end_ns, attributes, events, links, scope, resource_id, thread_id, turn_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const link = this.stmt("INSERT OR IGNORE INTO trace_threads (thread_id, trace_id) VALUES (?, ?)");
      const traces = new Map<string, TraceAgg>();
      let written = 0;
      for (const s of batch) {
        const attributes = JSON.stringify(s.attributes);
        const events = JSON.stringify(s.events);
        const links = JSON.stringify(s.links);
        const threadId = threadIdOf(s.attributes);
        const turnId = turnIdOf(s.attributes);
        const info = insert.run(
          s.traceId,
          s.spanId,
          s.parentSpanId,
          s.traceState,
          s.name,
          s.kind,
          s.statusCode,
          s.statusMessage,
          s.startNs,
          s.endNs,
          attributes,
          events,
          links,
          s.scope,
          this.resourceId(s.resource),
          threadId,
          turnId,
        );
        if (info.changes === 0) continue;
        written++;
        if (threadId) link.run(threadId, s.traceId);
        const turn = TURN_SPAN.exec(s.name);
        if (turn && turnId) this.upsertTurn(s, turn[1]!, turnId, threadId);
        let agg = traces.get(s.traceId);
        if (!agg) {
          agg = {
            start: s.startNs,
            end: s.endNs,
            spans: 0,
            errors: 0,
            rootName: null,
            serviceName: typeof s.resource["service.name"] === "string" ? s.resource["service.name"] : "",
            clientName: null,
            bytes: 0,
          };
          traces.set(s.traceId, agg);
        }
        if (s.startNs < agg.start) agg.start = s.startNs;
        if (s.endNs > agg.end) agg.end = s.endNs;
        agg.spans++;
        if (s.statusCode === 2) agg.errors++;
        if (s.parentSpanId === "") agg.rootName = s.name;
        agg.clientName ??= strAttr(s.attributes, "app_server.client_name");
        agg.bytes += 200 + s.name.length + attributes.length + events.length + links.length;
      }
      const upsert = this.stmt(
        `INSERT INTO traces (trace_id, start_ns, end_ns, span_count, error_count, root_name, service_name,
           client_name, bytes, received_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (trace_id) DO UPDATE SET
           start_ns = min(start_ns, excluded.start_ns), end_ns = max(end_ns, excluded.end_ns),
           span_count = span_count + excluded.span_count, error_count = error_count + excluded.error_count,
           root_name = coalesce(excluded.root_name, root_name),
           service_name = CASE WHEN service_name = '' THEN excluded.service_name ELSE service_name END,
           client_name = coalesce(client_name, excluded.client_name),
           bytes = bytes + excluded.bytes, received_ms = excluded.received_ms`,
      );
      const now = this.now();
      for (const [traceId, a] of traces) {
        upsert.run(
          traceId,
          a.start,
          a.end,
          a.spans,
          a.errors,
          a.rootName,
          a.serviceName,
          a.clientName,
          a.bytes,
          now,
        );
      }
      return written;
    });
    const written = this.write(() => run(spans));
    return { spans: written, duplicates: spans.length - written };
  }

  private upsertTurn(s: SpanRecord, task: string, turnId: string, threadId: string | null): void {
    const a = s.attributes;
    const usage = (k: string) => intAttr(a, `codex.turn.token_usage.${k}`);
    this.stmt(
      `INSERT INTO turns (turn_id, trace_id, span_id, thread_id, task, model, start_ns, end_ns, status,
         input_tokens, cached_input_tokens, output_tokens, reasoning_output_tokens, total_tokens)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (turn_id) DO UPDATE SET trace_id = excluded.trace_id, span_id = excluded.span_id,
         thread_id = coalesce(excluded.thread_id, thread_id), task = excluded.task, model = excluded.model,
         start_ns = excluded.start_ns, end_ns = excluded.end_ns, status = excluded.status,
         input_tokens = excluded.input_tokens, cached_input_tokens = excluded.cached_input_tokens,
         output_tokens = excluded.output_tokens, reasoning_output_tokens = excluded.reasoning_output_tokens,
         total_tokens = excluded.total_tokens`,
    ).run(
      turnId,
      s.traceId,
      s.spanId,
      threadId,
      task,
      strAttr(a, "model"),
      s.startNs,
      s.endNs,
      turnStatus(s),
      usage("input_tokens"),
      usage("cached_input_tokens"),
      usage("output_tokens"),
      usage("reasoning_output_tokens"),
      usage("total_tokens"),
    );
  }

  /** Stores log records in one transaction. */
  insertLogs(logs: readonly LogRecordRow[]): number {
    if (logs.length === 0) return 0;
    const run = this.db.transaction((batch: readonly LogRecordRow[]) => {
      const insert = this.stmt(
        `INSERT INTO logs (time_ns, severity_number, severity_text, event_name, body, attributes, trace_id,
           span_id, scope, resource_id, thread_id, turn_id, received_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const link = this.stmt("INSERT OR IGNORE INTO trace_threads (thread_id, trace_id) VALUES (?, ?)");
      const now = this.now();
      for (const r of batch) {
        const threadId = threadIdOf(r.attributes);
        const traceId = r.traceId || traceIdFromFields(r.attributes);
        insert.run(
          r.timeNs,
          r.severityNumber,
          r.severityText,
          r.eventName,
          r.body === undefined ? null : JSON.stringify(r.body),
          JSON.stringify(r.attributes),
          traceId,
          r.spanId,
          r.scope,
          this.resourceId(r.resource),
          threadId,
          turnIdOf(r.attributes),
          now,
        );
        if (threadId && traceId) link.run(threadId, traceId);
      }
      return batch.length;
    });
    return this.write(() => run(logs));
  }

  /** Stores metric data points in one transaction. */
  insertMetricPoints(points: readonly MetricPointRecord[]): number {
    if (points.length === 0) return 0;
    const run = this.db.transaction((batch: readonly MetricPointRecord[]) => {
      const insert = this.stmt(
        `INSERT INTO metric_points (name, unit, type, attributes, value, count, time_ns, resource_id, received_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const now = this.now();
      for (const p of batch) {
        insert.run(
          p.name,
          p.unit,
          p.type,
          JSON.stringify(p.attributes),
          p.value,
          p.count,
          p.timeNs,
          this.resourceId(p.resource),
          now,
        );
      }
      return batch.length;
    });
    return this.write(() => run(points));
  }

  private write<T>(fn: () => T): T {
    if (this.closed) throw new ObserveStoreError("observe store is closed");
    try {
      return fn();
    } catch (err) {
      // A rolled-back transaction may have cached resource ids that were never committed.
      this.resourceIds.clear();
      this.byResourceObject = new WeakMap();
      throw new ObserveStoreError(`observe store write failed: ${(err as Error).message}`);
    }
  }

  /** Bytes of the file in use (pages minus free pages). */
  usedBytes(): number {
    const pageSize = this.db.pragma("page_size", { simple: true }) as number;
    const pages = this.db.pragma("page_count", { simple: true }) as number;
    const free = this.db.pragma("freelist_count", { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
