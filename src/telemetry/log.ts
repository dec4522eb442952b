import { isSpanContextValid, trace, type Span } from "@opentelemetry/api";
import { SeverityNumber, type LoggerProvider, type Logger as OtelLogger } from "@opentelemetry/api-logs";
import { LEVEL_RANK, type LogLevel } from "./log-level.js";
import { parseLogFilter, type LogFilter } from "./log-filter.js";
import { formatHumanLine, formatJsonLine } from "./log-format.js";
import type { LogFields, LogFieldsArg, LogRecordSpan, LogSink } from "./log-types.js";
import { logSpanStack } from "./span-scope.js";
import { exportRoute, type ExportRoute } from "./targets.js";

export type {
  LogFieldValue,
  LogFields,
  LogFieldsArg,
  LogRecord,
  LogRecordSpan,
  LogSink,
} from "./log-types.js";

/**
 * A logger bound to one target. `enabled(level)` is cached against the configured filter and
 * export routing, so a disabled call costs a comparison and builds nothing; pass fields as a
 * function to defer building them until the event is known to be wanted.
 *
 * @example
 * const log = logger("spool_app_server::transport");
 * log.debug("frame", () => ({ bytes: frame.length }));
 */
export interface Logger {
  readonly target: string;
  enabled(level: LogLevel): boolean;
  error(message: string, fields?: LogFieldsArg): void;
  warn(message: string, fields?: LogFieldsArg): void;
  info(message: string, fields?: LogFieldsArg): void;
  debug(message: string, fields?: LogFieldsArg): void;
  trace(message: string, fields?: LogFieldsArg): void;
  /**
   * A logger for the same target with `fields` on every event (the call's own fields win on a
   * clash). Bind a connection, thread, turn or call id once instead of at every call.
   *
   * @example
   * const log = logger("spool_rpc::connection").child({ connection_id: "3" });
   */
  child(fields: LogFields): Logger;
}

export type LogFormat = "json" | "human";

/** A tapped event: the record as the sink sees it, with the ids of the span active when it was emitted. */
export interface TappedLogRecord {
  epochMs: number;
  level: LogLevel;
  target: string;
  message: string;
  fields: LogFields | undefined;
  /** Empty outside a (valid) OTel span. */
  traceId: string;
  spanId: string;
}

/**
 * A consumer of a few targets' events whatever the local filter says (the observe store's timing
 * events). `level(target)` is asked once per target per configuration change: the most verbose
 * level wanted, or undefined for none. `record` runs synchronously inside the emitting call.
 */
export interface LogTap {
  level(target: string): LogLevel | undefined;
  record(record: TappedLogRecord): void;
}

interface LoggingState {
  filter: LogFilter;
  sink: LogSink;
  loggerProvider: LoggerProvider | undefined;
  traceLane: boolean;
  taps: LogTap[];
  generation: number;
}

function stderrSink(format: LogFormat): LogSink {
  const fmt = format === "json" ? formatJsonLine : formatHumanLine;
  return (r) => {
    process.stderr.write(fmt(r));
  };
}

/** `SPOOL_LOG` wins over `RUST_LOG`; unset or empty → the `info` default. */
export function logFilterSpecFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const spool = env.SPOOL_LOG;
  if (spool !== undefined && spool.trim() !== "") return spool;
  return env.RUST_LOG;
}

/** `LOG_FORMAT=json` selects JSON lines; anything else the human format. */
export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env.LOG_FORMAT?.trim().toLowerCase() === "json" ? "json" : "human";
}

const state: LoggingState = {
  filter: parseLogFilter(logFilterSpecFromEnv()),
  sink: stderrSink(logFormatFromEnv()),
  loggerProvider: undefined,
  traceLane: false,
  taps: [],
  generation: 0,
};

/**
 * Adds a tap; its targets' `enabled(level)` answer true from now on. Returns its removal. With no
 * tap installed, a logger pays one integer comparison per event for this.
 */
export function addLogTap(tap: LogTap): () => void {
  state.taps = [...state.taps, tap];
  state.generation++;
  return () => {
    state.taps = state.taps.filter((t) => t !== tap);
    state.generation++;
  };
}

/**
 * Replaces the process's log filter, format and/or sink; cached `enabled` answers are
 * invalidated. Unparsable directives are ignored with one warning. Returns a function that puts
 * back the filter and sink this call replaced (a test capturing its warnings restores with it).
 */
export function configureLogging(options: {
  filter?: LogFilter | string;
  sink?: LogSink;
  format?: LogFormat;
}): () => void {
  const previous = { filter: state.filter, sink: state.sink };
  if (options.filter !== undefined) {
    state.filter = typeof options.filter === "string" ? parseLogFilter(options.filter) : options.filter;
  }
  if (options.format !== undefined) state.sink = stderrSink(options.format);
  if (options.sink !== undefined) state.sink = options.sink;
  state.generation++;
  if (state.filter.invalid.length > 0) {
    logger("spool_otel::log_filter").warn("ignoring unparsable log filter directives", {
      directives: state.filter.invalid.join(","),
    });
  }
  return () => {
    state.filter = previous.filter;
    state.sink = previous.sink;
    state.generation++;
  };
}

/**
 * Connects the export lanes (spec/otel.md §3): `codex_otel.*` events (except trace-safe) become
 * OTel log records on `loggerProvider`; `codex_otel.trace_safe*` events become span events when
 * `traceLane`. Routing is recomputed once per target here, never per event.
 */
export function setLogExportLanes(lanes: { loggerProvider?: LoggerProvider; traceLane: boolean }): void {
  state.loggerProvider = lanes.loggerProvider;
  state.traceLane = lanes.traceLane;
  state.generation++;
}

/** The OTel severity of each log level (the export lanes and log taps map levels the same way). */
export const SEVERITY: Readonly<Record<LogLevel, SeverityNumber>> = {
  error: SeverityNumber.ERROR,
  warn: SeverityNumber.WARN,
  info: SeverityNumber.INFO,
  debug: SeverityNumber.DEBUG,
  trace: SeverityNumber.TRACE,
};

interface SdkSpanLike {
  name?: unknown;
  attributes?: Record<string, unknown>;
}

/** The record's span stack: `withSpan` entries, plus a foreign active span (e.g. a request span). */
function currentRecordSpans(): LogRecordSpan[] {
  const stack = logSpanStack();
  const out: LogRecordSpan[] = stack.map((s) => ({ name: s.name, fields: s.fields }));
  const active: Span | undefined = trace.getActiveSpan();
  if (active && active !== stack[stack.length - 1]?.span) {
    const sdk = active as unknown as SdkSpanLike;
    if (typeof sdk.name === "string") {
      const fields: LogFields = {};
      for (const [k, v] of Object.entries(sdk.attributes ?? {})) {
        if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") fields[k] = v;
      }
      out.push({ name: sdk.name, fields });
    }
  }
  return out;
}

function attributesOf(fields: LogFields | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}

class TargetLogger implements Logger {
  private generation = -1;
  private staticRank = 0;
  private spanRank = 0;
  private route: ExportRoute = "local";
  private otelLogger: OtelLogger | undefined;
  /** Most verbose rank any tap wants of this target; 0 (below every level) when none. */
  private tapRank = 0;
  private taps: { tap: LogTap; rank: number }[] = [];

  constructor(readonly target: string) {}

  private refresh(): void {
    this.staticRank = state.filter.maxRank(this.target);
    this.spanRank = state.filter.maxSpanRank(this.target);
    const route = exportRoute(this.target);
    if (route === "log" && state.loggerProvider) {
      this.route = "log";
      this.otelLogger = state.loggerProvider.getLogger(this.target);
    } else {
      this.route = route === "trace" && state.traceLane ? "trace" : "local";
      this.otelLogger = undefined;
    }
    this.taps = [];
    this.tapRank = 0;
    for (const tap of state.taps) {
      const level = tap.level(this.target);
      if (level === undefined) continue;
      this.taps.push({ tap, rank: LEVEL_RANK[level] });
      this.tapRank = Math.max(this.tapRank, LEVEL_RANK[level]);
    }
    this.generation = state.generation;
  }

  private localEnabled(rank: number): boolean {
    if (rank <= this.staticRank) return true;
    if (rank > this.spanRank) return false;
    return state.filter.rankIn(this.target, currentRecordSpans()) >= rank;
  }

  enabled(level: LogLevel): boolean {
    if (this.generation !== state.generation) this.refresh();
    const rank = LEVEL_RANK[level];
    return this.route !== "local" || rank <= this.tapRank || this.localEnabled(rank);
  }

  private emit(level: LogLevel, message: string, arg: LogFieldsArg | undefined): void {
    if (this.generation !== state.generation) this.refresh();
    const rank = LEVEL_RANK[level];
    const local = this.localEnabled(rank);
    const tapped = rank <= this.tapRank;
    if (!local && !tapped && this.route === "local") return;
    try {
      const fields = typeof arg === "function" ? arg() : arg;
      if (tapped) this.toTaps(level, message, fields);
      if (local) {
        const epochMs = performance.timeOrigin + performance.now();
        state.sink({
          time: new Date(epochMs),
          epochMs,
          level,
          target: this.target,
          message,
          fields,
          spans: currentRecordSpans(),
        });
      }
      if (this.route === "log") {
        const eventName = fields?.["event.name"];
        this.otelLogger!.emit({
          severityNumber: SEVERITY[level],
          severityText: level.toUpperCase(),
          body: message,
          attributes: attributesOf(fields),
          ...(typeof eventName === "string" ? { eventName } : {}),
        });
      } else if (this.route === "trace") {
        const eventName = fields?.["event.name"];
        trace
          .getActiveSpan()
          ?.addEvent(typeof eventName === "string" ? eventName : message, attributesOf(fields));
      }
    } catch {
      // A broken sink or exporter must never fail the caller.
    }
  }

  private toTaps(level: LogLevel, message: string, fields: LogFields | undefined): void {
    const ctx = trace.getActiveSpan()?.spanContext();
    const valid = ctx !== undefined && isSpanContextValid(ctx);
    const record: TappedLogRecord = {
      epochMs: performance.timeOrigin + performance.now(),
      level,
      target: this.target,
      message,
      fields,
      traceId: valid ? ctx.traceId : "",
      spanId: valid ? ctx.spanId : "",
    };
    const rank = LEVEL_RANK[level];
    for (const t of this.taps) if (rank <= t.rank) t.tap.record(record);
  }

  error(message: string, fields?: LogFieldsArg): void {
    this.emit("error", message, fields);
  }
  warn(message: string, fields?: LogFieldsArg): void {
    this.emit("warn", message, fields);
  }
  info(message: string, fields?: LogFieldsArg): void {
    this.emit("info", message, fields);
  }
  debug(message: string, fields?: LogFieldsArg): void {
    this.emit("debug", message, fields);
  }
  trace(message: string, fields?: LogFieldsArg): void {
    this.emit("trace", message, fields);
  }
  child(fields: LogFields): Logger {
    return new ChildLogger(this, { ...fields });
  }
}

/** Merges bound fields under each call's; a lazy call stays lazy. */
function withBound(bound: LogFields, arg: LogFieldsArg | undefined): LogFieldsArg {
  if (arg === undefined) return bound;
  if (typeof arg === "function") return () => ({ ...bound, ...arg() });
  return { ...bound, ...arg };
}

class ChildLogger implements Logger {
  constructor(
    private readonly parent: TargetLogger,
    private readonly bound: LogFields,
  ) {}
  get target(): string {
    return this.parent.target;
  }
  enabled(level: LogLevel): boolean {
    return this.parent.enabled(level);
  }
  error(message: string, fields?: LogFieldsArg): void {
    this.parent.error(message, withBound(this.bound, fields));
  }
  warn(message: string, fields?: LogFieldsArg): void {
    this.parent.warn(message, withBound(this.bound, fields));
  }
  info(message: string, fields?: LogFieldsArg): void {
    this.parent.info(message, withBound(this.bound, fields));
  }
  debug(message: string, fields?: LogFieldsArg): void {
    this.parent.debug(message, withBound(this.bound, fields));
  }
  trace(message: string, fields?: LogFieldsArg): void {
    this.parent.trace(message, withBound(this.bound, fields));
  }
  child(fields: LogFields): Logger {
    return new ChildLogger(this.parent, { ...this.bound, ...fields });
  }
}

const loggers = new Map<string, Logger>();

/** The logger for a target; one instance per target for the life of the process. */
export function logger(target: string): Logger {
  let l = loggers.get(target);
  if (!l) {
    l = new TargetLogger(target);
    loggers.set(target, l);
  }
  return l;
}

// A bad RUST_LOG/SPOOL_LOG in the environment is reported once, at start-up.
if (state.filter.invalid.length > 0) {
  logger("spool_otel::log_filter").warn("ignoring unparsable log filter directives", {
    directives: state.filter.invalid.join(","),
  });
}
