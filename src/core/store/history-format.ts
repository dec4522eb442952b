import { readFileSync } from "node:fs";
import type { ResponseInputItem } from "../../model-client/index.js";
import {
  emptyTokenUsage,
  type SessionSource,
  type ThreadItem,
  type TokenUsage,
  type Turn,
  type TurnError,
} from "../../protocol/index.js";
import { logger } from "../../telemetry/index.js";
import type { HistoryLineType } from "../history-sink.js";
import { turnAbortedItem } from "../prompt.js";
import type { ThreadSettings } from "../settings.js";
import type { ThreadMeta, ThreadState } from "../thread-view.js";

const log = logger("spool_core::history_file");

/**
 * The first line of a history file (`session_meta`): the thread's identity and the settings it
 * was created with. Field names follow Codex's `SessionMeta` where Codex has one.
 */
export interface SessionMetaPayload {
  id: string;
  timestamp: string;
  created_at: number;
  cwd: string;
  originator: string | null;
  cli_version: string;
  source: SessionSource;
  model_provider: string;
  forked_from_id: string | null;
  service_name: string | null;
  thread_source: string | null;
  name: string | null;
  spool_settings: ThreadSettings;
}

export function sessionMetaPayload(meta: ThreadMeta, settings: ThreadSettings): SessionMetaPayload {
  return {
    id: meta.id,
    timestamp: new Date(meta.createdAt * 1000).toISOString(),
    created_at: meta.createdAt,
    cwd: settings.cwd,
    originator: meta.originator,
    cli_version: meta.cliVersion,
    source: meta.source,
    model_provider: settings.modelProvider,
    forked_from_id: meta.forkedFromId,
    service_name: meta.serviceName,
    thread_source: meta.threadSource,
    name: meta.name,
    spool_settings: settings,
  };
}

/** A thread as its history file tells it. */
export interface StoredThread {
  meta: ThreadMeta;
  settings: ThreadSettings;
  state: ThreadState;
  /** A turn the file started but never ended (the server died mid-turn): shown as interrupted. */
  unfinishedTurnId: string | undefined;
}

type Line = { timestamp?: unknown; type?: unknown; payload?: unknown };

function closeTurn(
  turn: Turn,
  status: Turn["status"],
  p: Record<string, unknown>,
  error: TurnError | null,
): void {
  turn.status = status;
  turn.error = error;
  turn.completedAt = typeof p.completed_at === "number" ? p.completed_at : null;
  turn.durationMs = typeof p.duration_ms === "number" ? p.duration_ms : null;
}

/** Upserts `item` into `items`, searching from the newest item backwards (the usual hit). */
function upsertItem(items: ThreadItem[], item: ThreadItem): void {
  for (let i = items.length - 1; i >= 0; i--) {
    if (items[i]!.id === item.id) {
      items[i] = item;
      return;
    }
  }
  items.push(item);
}

function findTurn(turns: Turn[], id: unknown): Turn | undefined {
  for (let i = turns.length - 1; i >= 0; i--) if (turns[i]!.id === id) return turns[i];
  return undefined;
}

/**
 * Rebuilds a thread from the text of its history file: model-visible history from
 * `response_item` lines, turns and their items from `event_msg` lines. A truncated or corrupt
 * line (a crash mid-write) is skipped; a file without a readable `session_meta` gives `undefined`.
 */
export function parseHistory(text: string, path: string): StoredThread | undefined {
  let meta: ThreadMeta | undefined;
  let settings: ThreadSettings | undefined;
  const history: ResponseInputItem[] = [];
  const turns: Turn[] = [];
  const turnStarts = new Map<string, number>();
  let usage: TokenUsage = emptyTokenUsage();
  let lastTimestamp = 0;
  let skipped = 0;
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    if (raw.trim() === "") continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      skipped++;
      continue;
    }
    const p = (line.payload ?? {}) as Record<string, unknown>;
    if (typeof line.timestamp === "string") {
      const t = Date.parse(line.timestamp);
      if (Number.isFinite(t)) lastTimestamp = Math.max(lastTimestamp, t);
    }
    switch (line.type as HistoryLineType) {
      case "session_meta": {
        if (meta) break;
        const m = p as unknown as SessionMetaPayload;
        if (typeof m.id !== "string" || typeof m.spool_settings !== "object") break;
        settings = { ...m.spool_settings };
        meta = {
          id: m.id,
          createdAt: m.created_at,
          updatedAt: m.created_at,
          preview: "",
          ephemeral: false,
          source: m.source ?? "vscode",
          originator: m.originator ?? null,
          cliVersion: m.cli_version ?? "",
          forkedFromId: m.forked_from_id ?? null,
          path,
          serviceName: m.service_name ?? null,
          threadSource: m.thread_source ?? null,
          name: m.name ?? null,
        };
        break;
      }
      case "turn_context":
        if (settings) {
          const s = settings;
          settings = {
            ...s,
            cwd: typeof p.cwd === "string" ? p.cwd : s.cwd,
            model: typeof p.model === "string" ? p.model : s.model,
            reasoningEffort:
              typeof p.effort === "string" ? p.effort : p.effort === null ? null : s.reasoningEffort,
            reasoningSummary: typeof p.summary === "string" ? p.summary : s.reasoningSummary,
            approvalPolicy: (p.approval_policy as ThreadSettings["approvalPolicy"]) ?? s.approvalPolicy,
            sandbox: (p.sandbox_policy as ThreadSettings["sandbox"]) ?? s.sandbox,
          };
        }
        break;
      case "response_item":
        history.push(p as unknown as ResponseInputItem);
        break;
      case "compacted":
        // Codex's `RolloutItem::Compacted`: the history from here on starts from the replacement.
        if (Array.isArray(p.replacement_history))
          history.splice(0, history.length, ...(p.replacement_history as ResponseInputItem[]));
        break;
      case "event_msg":
        switch (p.type) {
          case "task_started": {
            const id = String(p.turn_id);
            turnStarts.set(id, history.length);
            turns.push({
              id,
              items: [],
              status: "inProgress",
              error: null,
              startedAt: typeof p.started_at === "number" ? p.started_at : null,
              completedAt: null,
              durationMs: null,
              itemsView: "full",
            });
            break;
          }
          case "item_completed": {
            const turn = findTurn(turns, p.turn_id);
            if (turn && typeof p.item === "object" && p.item !== null)
              upsertItem(turn.items, p.item as ThreadItem);
            break;
          }
          case "task_complete": {
            const turn = findTurn(turns, p.turn_id);
            if (turn) {
              const failed = p.status === "failed";
              closeTurn(
                turn,
                failed ? "failed" : "completed",
                p,
                failed ? ((p.error as TurnError) ?? null) : null,
              );
            }
            break;
          }
          case "turn_aborted": {
            const turn = findTurn(turns, p.turn_id);
            if (turn) closeTurn(turn, "interrupted", p, null);
            break;
          }
          case "thread_name_updated":
            if (meta && typeof p.thread_name === "string") meta.name = p.thread_name;
            break;
          case "token_count":
            if (typeof p.total === "object" && p.total !== null)
              usage = { ...emptyTokenUsage(), ...(p.total as object) };
            break;
          default:
            break;
        }
        break;
      default:
        break;
    }
  }
  if (skipped > 0) log.warn("skipped unreadable history lines", { path, lines: skipped });
  if (!meta || !settings) return undefined;
  let unfinishedTurnId: string | undefined;
  for (const t of turns) {
    if (t.status !== "inProgress") continue;
    // The process ended mid-turn: the turn keeps its user message and reads as interrupted.
    unfinishedTurnId = t.id;
    t.status = "interrupted";
    t.items = t.items.filter((i) => i.type === "userMessage");
  }
  if (unfinishedTurnId) history.push(turnAbortedItem(unfinishedTurnId));
  const firstUser = turns
    .flatMap((t) => t.items)
    .find((i): i is Extract<ThreadItem, { type: "userMessage" }> => i.type === "userMessage");
  const text0 = firstUser?.content.find((c) => c.type === "text");
  meta.preview = text0 && "text" in text0 ? text0.text.slice(0, 200) : "";
  meta.updatedAt = Math.max(meta.createdAt, Math.floor(lastTimestamp / 1000));
  return {
    meta,
    settings,
    state: { history, turns, usage, hasContext: turns.length > 0, turnStarts },
    unfinishedTurnId,
  };
}

/** Reads and parses a history file; `undefined` when it cannot be read or has no session meta. */
export function readHistory(path: string): StoredThread | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    log.warn("thread history cannot be read", { path, error: (err as Error).message });
    return undefined;
  }
  return parseHistory(text, path);
}

/**
 * The lines that recreate `state` in a new file (a fork): each turn's start, the history items
 * it added, its items and its end, in the order a live session writes them.
 */
export function replayLines(state: ThreadState): [HistoryLineType, unknown][] {
  const out: [HistoryLineType, unknown][] = [];
  const starts = state.turns.map((t) => state.turnStarts.get(t.id) ?? state.history.length);
  const firstStart = starts.length > 0 ? starts[0]! : state.history.length;
  for (const item of state.history.slice(0, firstStart)) out.push(["response_item", item]);
  state.turns.forEach((t, i) => {
    out.push(["event_msg", { type: "task_started", turn_id: t.id, started_at: t.startedAt }]);
    const end = i + 1 < starts.length ? starts[i + 1]! : state.history.length;
    for (const item of state.history.slice(starts[i], end)) out.push(["response_item", item]);
    for (const item of t.items) out.push(["event_msg", { type: "item_completed", turn_id: t.id, item }]);
    const end_ = { completed_at: t.completedAt, duration_ms: t.durationMs };
    if (t.status === "interrupted")
      out.push(["event_msg", { type: "turn_aborted", turn_id: t.id, reason: "interrupted", ...end_ }]);
    else
      out.push([
        "event_msg",
        { type: "task_complete", turn_id: t.id, status: t.status, error: t.error, ...end_ },
      ]);
  });
  out.push([
    "event_msg",
    { type: "token_count", turn_id: null, total: state.usage, last: emptyTokenUsage() },
  ]);
  return out;
}
