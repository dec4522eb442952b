import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { logger } from "../../telemetry/index.js";
import type { HistoryLineType, HistorySink } from "../history-sink.js";

const log = logger("spool_core::history_file");

/** One line of a history file (Codex's `RolloutLine`): a timestamp, a kind, a payload. */
export interface HistoryLine {
  timestamp: string;
  type: HistoryLineType;
  payload: unknown;
}

export function historyLine(type: HistoryLineType, payload: unknown, now = new Date()): string {
  return JSON.stringify({ timestamp: now.toISOString(), type, payload }) + "\n";
}

/**
 * The append-only JSONL history of one thread. The file is created on the first append (a
 * thread that never runs a turn leaves nothing on disk) with `header` as its first lines. Each
 * line goes to the OS in one `write`, so a crash loses at most the line being written. A failing
 * disk logs one warning and the sink goes quiet: the session goes on in memory.
 */
export class HistoryFile implements HistorySink {
  private fd: number | undefined;
  private failed = false;

  constructor(
    readonly path: string,
    private readonly header: () => string[],
    private readonly onCreated?: () => void,
    private readonly onWritten?: () => void,
  ) {}

  /** Opens an existing file for appending (a resumed thread). */
  static existing(path: string, onWritten?: () => void): HistoryFile {
    return new HistoryFile(path, () => [], undefined, onWritten);
  }

  /** Writes the header now rather than on the first append (forks, which start with history). */
  materialize(): void {
    this.open();
  }

  append(type: HistoryLineType, payload: unknown): void {
    if (this.failed) return;
    const fd = this.open();
    if (fd === undefined) return;
    this.write(fd, historyLine(type, payload));
    this.onWritten?.();
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
  }

  private open(): number | undefined {
    if (this.fd !== undefined || this.failed) return this.fd;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const fd = openSync(this.path, "a");
      this.fd = fd;
      const header = this.header();
      for (const line of header) this.write(fd, line);
      if (header.length > 0) this.onCreated?.();
      return this.fd;
    } catch (err) {
      this.fail(err);
      return undefined;
    }
  }

  private write(fd: number, line: string): void {
    try {
      writeSync(fd, line);
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    log.warn("thread history cannot be written; continuing without persistence", {
      path: this.path,
      error: (err as Error).message,
    });
  }
}
