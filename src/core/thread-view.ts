import type { ResponseInputItem } from "../model-client/index.js";
import type { SessionSource, Thread, ThreadItem, ThreadStatus, TokenUsage, Turn } from "../protocol/index.js";
import type { ThreadSettings } from "./settings.js";

/** What a thread is, apart from its turns: the `Thread` fields that do not change per turn. */
export interface ThreadMeta {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  updatedAt: number;
  preview: string;
  ephemeral: boolean;
  source: SessionSource;
  /** The client that created the thread (`initialize.clientInfo.name`). */
  originator: string | null;
  cliVersion: string;
  forkedFromId: string | null;
  /** The history file (also reported for a thread whose file is not written yet). */
  path: string | null;
  /** `thread/start.serviceName`: the session's `service_name` metrics tag. */
  serviceName: string | null;
  threadSource: string | null;
  name: string | null;
}

/** A thread's state when it is loaded: new, resumed from history, or forked. */
export interface ThreadState {
  history: ResponseInputItem[];
  turns: Turn[];
  usage: TokenUsage;
  /** Whether the context items (environment, developer instructions) are already in history. */
  hasContext: boolean;
  /** Per turn, the history index where its items begin (for forks through a given turn). */
  turnStarts: Map<string, number>;
}

/** The `Thread` wire view of a thread's metadata and settings. */
export function threadView(
  m: ThreadMeta,
  settings: ThreadSettings,
  turns: Turn[],
  status: ThreadStatus,
): Thread {
  return {
    id: m.id,
    sessionId: m.id,
    preview: m.preview,
    ephemeral: m.ephemeral,
    modelProvider: settings.modelProvider,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    status,
    path: m.path,
    cwd: settings.cwd,
    cliVersion: m.cliVersion,
    source: m.source,
    projectId: null,
    turns,
    model: settings.model,
    reasoningEffort: settings.reasoningEffort,
    name: m.name,
    forkedFromId: m.forkedFromId,
    parentThreadId: null,
    gitInfo: null,
    agentNickname: null,
    agentRole: null,
    originator: m.originator,
    threadSource: m.threadSource,
    recencyAt: m.updatedAt,
  };
}

/** The turn a `turn/start` (or review/compaction start) returns before its submission is dispatched. */
export function placeholderTurn(id: string): Turn {
  return {
    id,
    items: [],
    status: "inProgress",
    error: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
    itemsView: "notLoaded",
  };
}

/** Index of the newest item with `id`, searching from the end (items are upserted newest-first). */
export function lastIndexOfId(items: readonly ThreadItem[], id: string): number {
  for (let i = items.length - 1; i >= 0; i--) if (items[i]!.id === id) return i;
  return -1;
}
