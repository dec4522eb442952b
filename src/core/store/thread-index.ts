import { rmSync } from "node:fs";
import Database from "better-sqlite3";
import type { Thread, ThreadListParams, ThreadSourceKind } from "../../protocol/index.js";
import { InvalidCoreArgumentError } from "../errors.js";

const SCHEMA_VERSION = "1";
const DEFAULT_PAGE = 25;
const MAX_PAGE = 500;
/** Sources `thread/list` returns when `sourceKinds` is omitted or empty (the interactive ones). */
const INTERACTIVE_SOURCES: readonly ThreadSourceKind[] = ["cli", "vscode"];

/** One indexed thread: what listing needs, plus the file fingerprint that says whether it is stale. */
export interface IndexRow {
  id: string;
  path: string;
  createdAt: number;
  updatedAt: number;
  cwd: string;
  modelProvider: string;
  sourceKind: string;
  archived: boolean;
  preview: string;
  /** The `Thread` view (status `notLoaded`, no turns). */
  thread: Thread;
  fileSize: number;
  fileMtimeMs: number;
}

export interface IndexPage {
  data: Thread[];
  nextCursor: string | null;
  backwardsCursor: string | null;
}

interface Cursor {
  /** Sort value of the anchor row. */
  k: number;
  /** Id of the anchor row; absent for an inclusive timestamp anchor (a backwards cursor). */
  id?: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeCursor(text: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Cursor;
    if (typeof c.k !== "number" || (c.id !== undefined && typeof c.id !== "string")) throw new Error("shape");
    return c;
  } catch {
    throw new InvalidCoreArgumentError("cursor: not a cursor this server issued");
  }
}

/** The source kind a `SessionSource` is filtered as. */
export function sourceKindOf(source: Thread["source"]): string {
  if (typeof source === "string") return source;
  if ("subAgent" in source) return "subAgent";
  return "unknown";
}

/**
 * The SQLite index of persisted threads (WAL mode, in `SPOOL_HOME`). It is a cache of the
 * history files: `thread/list` reads only it, and it can always be rebuilt from the files.
 */
export class ThreadIndex {
  private readonly db: Database.Database;
  private readonly upsertStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;

  private constructor(db: Database.Database) {
    this.db = db;
    this.upsertStmt = db.prepare(
      `INSERT INTO threads (id, path, created_at, updated_at, cwd, model_provider, source_kind, archived, preview, thread_json, file_size, file_mtime_ms)
       VALUES (@id, @path, @createdAt, @updatedAt, @cwd, @modelProvider, @sourceKind, @archived, @preview, @thread, @fileSize, @fileMtimeMs)
       ON CONFLICT(id) DO UPDATE SET path = excluded.path, updated_at = excluded.updated_at, cwd = excluded.cwd,
         model_provider = excluded.model_provider, source_kind = excluded.source_kind, archived = excluded.archived,
         preview = excluded.preview,
         thread_json = excluded.thread_json, file_size = excluded.file_size, file_mtime_ms = excluded.file_mtime_ms`,
    );
    this.deleteStmt = db.prepare("DELETE FROM threads WHERE id = ?");
  }

  /**
   * Opens the index at `file`, creating it when missing. A file that is not a usable index
   * (corrupt, or another schema version) is replaced by an empty one; `fresh` says so.
   */
  static open(file: string): { index: ThreadIndex; fresh: boolean; reason: string | null } {
    try {
      const db = new Database(file);
      try {
        const existing = ThreadIndex.prepare(db);
        return {
          index: new ThreadIndex(db),
          fresh: existing === "created",
          reason: existing === "created" ? "missing" : null,
        };
      } catch (err) {
        db.close();
        throw err;
      }
    } catch (err) {
      for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
      const db = new Database(file);
      ThreadIndex.prepare(db);
      return { index: new ThreadIndex(db), fresh: true, reason: `unreadable (${(err as Error).message})` };
    }
  }

  private static prepare(db: Database.Database): "created" | "existing" {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const check = db.pragma("quick_check", { simple: true });
    if (check !== "ok") throw new Error(`integrity check: ${String(check)}`);
    const hasMeta = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
    if (hasMeta) {
      const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
        { value: string } | undefined;
      if (row?.value !== SCHEMA_VERSION) throw new Error(`schema version ${row?.value ?? "none"}`);
      return "existing";
    }
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE threads (
        id TEXT PRIMARY KEY, path TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        cwd TEXT NOT NULL, model_provider TEXT NOT NULL, source_kind TEXT NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0, preview TEXT NOT NULL, thread_json TEXT NOT NULL,
        file_size INTEGER NOT NULL, file_mtime_ms INTEGER NOT NULL);
      CREATE INDEX threads_by_created ON threads (created_at, id);
      CREATE INDEX threads_by_updated ON threads (updated_at, id);
    `);
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(SCHEMA_VERSION);
    return "created";
  }

  upsert(row: IndexRow): void {
    this.upsertStmt.run({
      ...row,
      archived: row.archived ? 1 : 0,
      thread: JSON.stringify(row.thread),
    });
  }

  /** Upserts and deletes in one transaction (the start-up reconcile). */
  apply(upserts: readonly IndexRow[], deletes: readonly string[]): void {
    this.db.transaction(() => {
      for (const r of upserts) this.upsert(r);
      for (const id of deletes) this.deleteStmt.run(id);
    })();
  }

  /** Every row's id, path and file fingerprint. */
  fingerprints(): { id: string; path: string; fileSize: number; fileMtimeMs: number }[] {
    return this.db
      .prepare("SELECT id, path, file_size AS fileSize, file_mtime_ms AS fileMtimeMs FROM threads")
      .all() as { id: string; path: string; fileSize: number; fileMtimeMs: number }[];
  }

  /** Where the thread's history file is, and whether it is archived. */
  locate(id: string): { path: string; archived: boolean } | undefined {
    const row = this.db.prepare("SELECT path, archived FROM threads WHERE id = ?").get(id) as
      { path: string; archived: number } | undefined;
    return row && { path: row.path, archived: row.archived === 1 };
  }

  delete(id: string): void {
    this.deleteStmt.run(id);
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM threads").get() as { n: number }).n;
  }

  /** One page of `thread/list`: filters, keyset paging on (sort key, id), newest first by default. */
  list(params: ThreadListParams): IndexPage {
    const column =
      params.sortKey === "updated_at" || params.sortKey === "recency_at" ? "updated_at" : "created_at";
    const desc = (params.sortDirection ?? "desc") === "desc";
    const where: string[] = [];
    const args: (string | number)[] = [];
    where.push(`archived = ?`);
    args.push(params.archived ? 1 : 0);
    const kinds =
      params.sourceKinds && params.sourceKinds.length > 0 ? params.sourceKinds : INTERACTIVE_SOURCES;
    where.push(`source_kind IN (${kinds.map(() => "?").join(",")})`);
    args.push(...kinds);
    if (params.modelProviders && params.modelProviders.length > 0) {
      where.push(`model_provider IN (${params.modelProviders.map(() => "?").join(",")})`);
      args.push(...params.modelProviders);
    }
    if (params.cwd !== undefined && params.cwd !== null) {
      const cwds = Array.isArray(params.cwd) ? params.cwd : [params.cwd];
      where.push(`cwd IN (${cwds.map(() => "?").join(",")})`);
      args.push(...cwds);
    }
    if (params.searchTerm) {
      where.push(`preview LIKE ? ESCAPE '\\'`);
      args.push(`%${params.searchTerm.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (params.excludedThreadIds && params.excludedThreadIds.length > 0) {
      where.push(`id NOT IN (${params.excludedThreadIds.map(() => "?").join(",")})`);
      args.push(...params.excludedThreadIds);
    }
    if (params.cursor) {
      const c = decodeCursor(params.cursor);
      const op = desc ? "<" : ">";
      if (c.id === undefined) {
        where.push(`${column} ${desc ? "<=" : ">="} ?`);
        args.push(c.k);
      } else {
        where.push(`(${column} ${op} ? OR (${column} = ? AND id ${op} ?))`);
        args.push(c.k, c.k, c.id);
      }
    }
    const limit = Math.min(Math.max(params.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
    const dir = desc ? "DESC" : "ASC";
    const rows = this.db
      .prepare(
        `SELECT id, ${column} AS k, thread_json AS json FROM threads WHERE ${where.join(" AND ")}
         ORDER BY ${column} ${dir}, id ${dir} LIMIT ?`,
      )
      .all(...args, limit + 1) as { id: string; k: number; json: string }[];
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    const first = page[0];
    return {
      data: page.map((r) => JSON.parse(r.json) as Thread),
      nextCursor: more && last ? encodeCursor({ k: last.k, id: last.id }) : null,
      backwardsCursor: first ? encodeCursor({ k: first.k }) : null,
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
