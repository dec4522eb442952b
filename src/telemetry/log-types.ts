import type { LogLevel } from "./log-level.js";

export type LogFieldValue = string | number | boolean | null | undefined;
export type LogFields = Record<string, LogFieldValue>;
/** Fields, or a function building them: called only when the event is enabled somewhere. */
export type LogFieldsArg = LogFields | (() => LogFields);

/** A span on the local log stack as a record carries it: its name and fields. */
export interface LogRecordSpan {
  name: string;
  fields: LogFields;
}

/** A formatted event handed to the sink. */
export interface LogRecord {
  time: Date;
  /** Fractional milliseconds since the epoch (µs precision for the timestamp). */
  epochMs: number;
  level: LogLevel;
  target: string;
  message: string;
  fields: LogFields | undefined;
  /** Span stack root → leaf when the event was emitted (empty outside spans). */
  spans: LogRecordSpan[];
}

export type LogSink = (record: LogRecord) => void;
