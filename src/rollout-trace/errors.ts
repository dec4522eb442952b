/** Where in a bundle a reduce error was found. */
export interface TraceErrorLocation {
  /** The file that holds the problem (the bundle's `trace.jsonl`, `manifest.json` or a payload). */
  file: string;
  /** 1-based line number in `trace.jsonl`, when the problem is on a line. */
  line?: number;
  /** The event's `seq`, when it could be read. */
  seq?: number;
}

/**
 * A bundle the reducer cannot turn into `state.json`. The message reads like Codex's reducer's
 * (e.g. `missing or reordered trace event 5`); `location` says which file, line and seq.
 */
export class TraceReduceError extends Error {
  override readonly name = "TraceReduceError";
  constructor(
    message: string,
    readonly location: TraceErrorLocation,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** One line for a terminal: message, then file, line and seq. */
  describe(): string {
    const where = [this.location.file];
    if (this.location.line !== undefined) where.push(`line ${this.location.line}`);
    if (this.location.seq !== undefined) where.push(`seq ${this.location.seq}`);
    return `${this.message} (${where.join(", ")})`;
  }
}

/** A reducer rule violation inside one event; the bundle loop adds file, line and seq. */
export class TraceRuleError extends Error {
  override readonly name = "TraceRuleError";
  constructor(
    message: string,
    /** The payload file involved, when the problem is in a payload rather than the event line. */
    readonly file?: string,
  ) {
    super(message);
  }
}
