import { LEVEL_RANK, type LogLevel } from "./log-level.js";
import { parseLogFilter, type LogFilter } from "./log-filter.js";

export type LogFieldValue = string | number | boolean | null | undefined;
export type LogFields = Record<string, LogFieldValue>;

/** A formatted event handed to the sink. */
export interface LogRecord {
  time: Date;
  level: LogLevel;
  target: string;
  message: string;
  fields: LogFields | undefined;
}

export type LogSink = (record: LogRecord) => void;

/**
 * A logger bound to one target. `enabled(level)` is cached against the configured filter, so a
 * disabled call costs one comparison and builds nothing.
 *
 * @example
 * const log = logger("spool_app_server::transport");
 * if (log.enabled("debug")) log.debug("frame", { bytes: frame.length });
 */
export interface Logger {
  readonly target: string;
  enabled(level: LogLevel): boolean;
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  trace(message: string, fields?: LogFields): void;
}

interface LoggingState {
  filter: LogFilter;
  sink: LogSink;
  generation: number;
}

function humanLine(r: LogRecord): string {
  let line = `${r.time.toISOString()} ${r.level.toUpperCase().padStart(5)} ${r.target}: ${r.message}`;
  if (r.fields) {
    for (const [k, v] of Object.entries(r.fields)) {
      if (v === undefined) continue;
      line += ` ${k}=${typeof v === "string" ? JSON.stringify(v) : String(v)}`;
    }
  }
  return line + "\n";
}

const stderrHumanSink: LogSink = (r) => {
  process.stderr.write(humanLine(r));
};

const state: LoggingState = {
  filter: parseLogFilter(process.env.SPOOL_LOG ?? process.env.RUST_LOG),
  sink: stderrHumanSink,
  generation: 0,
};

/** Replaces the process's log filter and/or sink; cached `enabled` answers are invalidated. */
export function configureLogging(options: { filter?: LogFilter | string; sink?: LogSink }): void {
  if (options.filter !== undefined) {
    state.filter = typeof options.filter === "string" ? parseLogFilter(options.filter) : options.filter;
  }
  if (options.sink !== undefined) state.sink = options.sink;
  state.generation++;
}

class TargetLogger implements Logger {
  private cachedGeneration = -1;
  private cachedRank = 0;

  constructor(readonly target: string) {}

  enabled(level: LogLevel): boolean {
    if (this.cachedGeneration !== state.generation) {
      this.cachedRank = state.filter.maxRank(this.target);
      this.cachedGeneration = state.generation;
    }
    return LEVEL_RANK[level] <= this.cachedRank;
  }

  private emit(level: LogLevel, message: string, fields: LogFields | undefined): void {
    if (!this.enabled(level)) return;
    try {
      state.sink({ time: new Date(), level, target: this.target, message, fields });
    } catch {
      // A broken log sink must never fail the caller.
    }
  }

  error(message: string, fields?: LogFields): void {
    this.emit("error", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.emit("warn", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.emit("info", message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.emit("debug", message, fields);
  }
  trace(message: string, fields?: LogFields): void {
    this.emit("trace", message, fields);
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
