import { existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync } from "node:fs";
import { basename, join } from "node:path";
import type { ThreadListParams } from "../../protocol/index.js";
import { logger } from "../../telemetry/index.js";
import { ThreadNotFoundError } from "../errors.js";
import type { HistoryLineType, HistorySink } from "../history-sink.js";
import type { ThreadSettings } from "../settings.js";
import { threadView, type ThreadMeta, type ThreadState } from "../thread-view.js";
import { HistoryFile, historyLine } from "./history-file.js";
import { readHistory, replayLines, sessionMetaPayload, type StoredThread } from "./history-format.js";
import { ThreadIndex, sourceKindOf, type IndexPage, type IndexRow } from "./thread-index.js";

const log = logger("spool_core::thread_store");

/** How a loaded thread's history file is opened. */
export type SinkMode =
  /** A new thread: the file appears with its first turn. */
  | { kind: "lazy" }
  /** A resumed thread: append to its file (after writing `repair` lines, if any). */
  | { kind: "append"; repair?: [HistoryLineType, unknown][] }
  /** A fork: a new file holding `state` at once. */
  | { kind: "copy"; state: ThreadState };

const ROLLOUT_RE = /^rollout-.*-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/;

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

const STAMP_RE = /^rollout-(\d{4})-(\d{2})-(\d{2})T/;

/** Where Codex keeps archived history files: one flat folder beside `sessions/`. */
const ARCHIVED_SESSIONS = "archived_sessions";

interface FoundFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * Every `rollout-*.jsonl` under `dir` with its fingerprint: `levels` folders deep (3 for
 * sessions/YYYY/MM/DD/, 0 for the flat archived_sessions/).
 */
function scanHistoryFiles(dir: string, levels = 3): Map<string, FoundFile> {
  const out = new Map<string, FoundFile>();
  const walk = (d: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      if (depth < levels) {
        walk(p, depth + 1);
        continue;
      }
      const m = ROLLOUT_RE.exec(name);
      if (!m) continue;
      try {
        const st = statSync(p);
        if (st.isFile()) out.set(m[1]!, { path: p, size: st.size, mtimeMs: Math.floor(st.mtimeMs) });
      } catch {
        // vanished while scanning
      }
    }
  };
  walk(dir, 0);
  return out;
}

/**
 * Persisted threads under `SPOOL_HOME`: one append-only JSONL history file per thread under
 * `sessions/YYYY/MM/DD/rollout-<timestamp>-<threadId>.jsonl` (Codex's layout), the truth, and
 * a SQLite index for listing, reconciled with the files at start-up.
 */
export class ThreadStore {
  readonly sessionsDir: string;
  readonly archivedDir: string;
  private readonly index: ThreadIndex;
  /** Rows to refresh, written in one transaction shortly after (or before the next list). */
  private readonly dirty = new Map<string, { meta: ThreadMeta; settings: ThreadSettings }>();
  private flushTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly home: string,
    index: ThreadIndex,
  ) {
    this.sessionsDir = join(home, "sessions");
    this.archivedDir = join(home, ARCHIVED_SESSIONS);
    this.index = index;
  }

  /**
   * Opens the store: the index is checked against the history files and rebuilt where missing,
   * corrupt or stale, with one INFO line saying what was done. Never fails because of the index.
   */
  static open(home: string): ThreadStore {
    mkdirSync(home, { recursive: true });
    const { index, fresh, reason } = ThreadIndex.open(join(home, "threads.sqlite"));
    const store = new ThreadStore(home, index);
    store.reconcile(fresh, reason);
    return store;
  }

  /** Every history file by thread id, archived or not (an active file wins over an archived copy). */
  private scanAll(): Map<string, FoundFile & { archived: boolean }> {
    const files = new Map<string, FoundFile & { archived: boolean }>();
    for (const [id, f] of scanHistoryFiles(this.archivedDir, 0)) files.set(id, { ...f, archived: true });
    for (const [id, f] of scanHistoryFiles(this.sessionsDir)) files.set(id, { ...f, archived: false });
    return files;
  }

  private reconcile(fresh: boolean, reason: string | null): void {
    const files = this.scanAll();
    const rows = new Map(this.index.fingerprints().map((r) => [r.id, r]));
    const upserts: IndexRow[] = [];
    const deletes: string[] = [];
    for (const [id, f] of files) {
      const row = rows.get(id);
      if (row && row.path === f.path && row.fileSize === f.size && row.fileMtimeMs === f.mtimeMs) continue;
      const stored = readHistory(f.path);
      if (stored) upserts.push(this.row(stored.meta, stored.settings, f.size, f.mtimeMs, f.archived));
    }
    for (const id of rows.keys()) if (!files.has(id)) deletes.push(id);
    if (upserts.length === 0 && deletes.length === 0 && !fresh) return;
    this.index.apply(upserts, deletes);
    if (fresh && files.size === 0) return;
    log.info("thread index rebuilt from history files", {
      reason: reason ?? "stale",
      files: files.size,
      reindexed: upserts.length,
      removed: deletes.length,
    });
  }

  /** The history file path of a thread created at `createdAtMs` (local time, as Codex names it). */
  pathFor(threadId: string, createdAtMs: number): string {
    const d = new Date(createdAtMs);
    const day = join(this.sessionsDir, String(d.getFullYear()), pad(d.getMonth() + 1), pad(d.getDate()));
    const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
    return join(day, `rollout-${stamp}-${threadId}.jsonl`);
  }

  /** The history sink of a loaded, persisted thread. */
  sink(meta: ThreadMeta, settings: ThreadSettings, mode: SinkMode): HistorySink {
    const path = meta.path!;
    if (mode.kind === "append") {
      const file = HistoryFile.existing(path);
      for (const [type, payload] of mode.repair ?? []) file.append(type, payload);
      return file;
    }
    const header = () => {
      const lines = [historyLine("session_meta", sessionMetaPayload(meta, settings))];
      if (mode.kind === "copy")
        for (const [type, payload] of replayLines(mode.state)) lines.push(historyLine(type, payload));
      return lines;
    };
    const file = new HistoryFile(path, header, () => this.update(meta, settings));
    if (mode.kind === "copy") file.materialize();
    return file;
  }

  /** Where a thread's history file is (the index first, then the folders), if it has one. */
  locate(threadId: string): { path: string; archived: boolean } | undefined {
    this.flushIndex();
    const known = this.index.locate(threadId);
    if (known && existsSync(known.path)) return known;
    return this.scanAll().get(threadId);
  }

  /** A persisted thread rebuilt from its history file, archived or not. */
  load(threadId: string): StoredThread | undefined {
    const found = this.locate(threadId);
    const stored = found && readHistory(found.path);
    if (!stored) return undefined;
    // As in the index row: the file's time counts (an unarchived thread lists and reads as recent).
    const mtimeS = Math.floor(statSync(found.path).mtimeMs / 1000);
    stored.meta.updatedAt = Math.max(stored.meta.updatedAt, mtimeS);
    return stored;
  }

  /**
   * Moves a thread's history file into `archived_sessions/` under the same name, as Codex does;
   * the thread must not be loaded. A thread whose first turn has not been written has no file.
   */
  archive(threadId: string): void {
    const found = this.locate(threadId);
    if (!found || found.archived) {
      throw new ThreadNotFoundError(threadId, `no rollout found for thread id ${threadId}`);
    }
    mkdirSync(this.archivedDir, { recursive: true });
    this.moveAndIndex(found.path, join(this.archivedDir, basename(found.path)), true);
  }

  /**
   * Moves an archived history file back to `sessions/YYYY/MM/DD/` (the day in its name) and
   * marks it updated now, so it lists as recent; returns the thread as stored.
   */
  unarchive(threadId: string): StoredThread {
    const found = this.locate(threadId);
    if (!found?.archived) {
      throw new ThreadNotFoundError(threadId, `no archived rollout found for thread id ${threadId}`);
    }
    const name = basename(found.path);
    const day = STAMP_RE.exec(name);
    const dir = day ? join(this.sessionsDir, day[1]!, day[2]!, day[3]!) : this.sessionsDir;
    const target = join(dir, name);
    if (existsSync(target)) {
      throw new ThreadNotFoundError(
        threadId,
        `thread ${threadId} already has an active rollout at ${target}`,
      );
    }
    mkdirSync(dir, { recursive: true });
    const now = new Date();
    utimesSync(found.path, now, now);
    return this.moveAndIndex(found.path, target, false);
  }

  /** Deletes a thread's history file (archived or not) and its index row; the thread must not be loaded. */
  remove(threadId: string): void {
    const found = this.locate(threadId);
    if (!found) throw new ThreadNotFoundError(threadId, `no rollout found for thread id ${threadId}`);
    unlinkSync(found.path);
    this.index.delete(threadId);
  }

  private moveAndIndex(from: string, to: string, archived: boolean): StoredThread {
    renameSync(from, to);
    const stored = readHistory(to);
    if (!stored) throw new Error(`history file ${to} cannot be read after the move`);
    const st = statSync(to);
    this.index.apply([this.row(stored.meta, stored.settings, st.size, Math.floor(st.mtimeMs), archived)], []);
    return stored;
  }

  list(params: ThreadListParams): IndexPage {
    this.flushIndex();
    return this.index.list(params);
  }

  /**
   * Refreshes a thread's index row from its current metadata and file. Rows are written in one
   * transaction a moment later (a busy server updates the index once per burst, not per turn);
   * a crash before that leaves a stale row, which the start-up reconcile repairs.
   */
  update(meta: ThreadMeta, settings: ThreadSettings): void {
    if (!meta.path) return;
    this.dirty.set(meta.id, { meta, settings });
    this.flushTimer ??= setTimeout(() => this.flushIndex(), 50).unref();
  }

  private flushIndex(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.dirty.size === 0) return;
    const rows: IndexRow[] = [];
    for (const { meta, settings } of this.dirty.values()) {
      try {
        const st = statSync(meta.path!);
        rows.push(this.row(meta, settings, st.size, Math.floor(st.mtimeMs), false));
      } catch (err) {
        log.warn("thread index update failed", { "thread.id": meta.id, error: (err as Error).message });
      }
    }
    this.dirty.clear();
    try {
      this.index.apply(rows, []);
    } catch (err) {
      log.warn("thread index update failed", { error: (err as Error).message });
    }
  }

  /**
   * The index row of a thread. Its update time is the later of the last line's and the file's
   * (an unarchived file is touched, as Codex does, so it lists as recent).
   */
  private row(
    meta: ThreadMeta,
    settings: ThreadSettings,
    fileSize: number,
    fileMtimeMs: number,
    archived: boolean,
  ): IndexRow {
    const updatedAt = Math.max(meta.updatedAt, Math.floor(fileMtimeMs / 1000));
    meta = { ...meta, updatedAt };
    return {
      id: meta.id,
      path: meta.path!,
      createdAt: meta.createdAt,
      updatedAt,
      cwd: settings.cwd,
      modelProvider: settings.modelProvider,
      sourceKind: sourceKindOf(meta.source),
      archived,
      preview: meta.preview,
      thread: threadView(meta, settings, [], { type: "notLoaded" }),
      fileSize,
      fileMtimeMs,
    };
  }

  /** Rows in the index (for tests and benchmarks). */
  indexedCount(): number {
    return this.index.count();
  }

  close(): void {
    this.flushIndex();
    this.index.close();
  }
}
