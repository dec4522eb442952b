import type { LoadedConfig, ModelProvider } from "../config/index.js";
import {
  emptyTokenUsage,
  type Thread,
  type ThreadForkParams,
  type ThreadListParams,
  type ThreadListResponse,
  type ThreadResumeParams,
  type ThreadStartParams,
} from "../protocol/index.js";
import { SPOOL_VERSION, logger, type MetricsClient } from "../telemetry/index.js";
import { InvalidCoreArgumentError, InvalidTurnStateError, ThreadNotFoundError } from "./errors.js";
import type { HistoryLineType } from "./history-sink.js";
import { newThreadId } from "./ids.js";
import { turnAbortedItem } from "./prompt.js";
import type { ThreadSettings } from "./settings.js";
import type { StoredThread } from "./store/history-format.js";
import type { ThreadStore } from "./store/thread-store.js";
import { loadThread, type SessionDeps } from "./thread-session.js";
import { resolveThreadSettings } from "./thread-settings.js";
import { threadView, type CoreThread, type ThreadMeta, type ThreadState } from "./thread.js";
import { NO_TOOLS, type ToolRouter } from "./tools.js";

const log = logger("spool_core::threads");

/** Default idle time before a thread nobody is subscribed to is unloaded (Codex: 30 min). */
export const DEFAULT_IDLE_UNLOAD_MS = 30 * 60_000;

export interface ThreadManagerOptions {
  config: LoadedConfig;
  /** Every usable provider by id (the built-in `openai` included). */
  providers: ReadonlyMap<string, ModelProvider>;
  /** The provider `model_provider` selects. */
  defaultProvider: ModelProvider;
  /** The model a thread gets when neither `thread/start` nor config.toml names one. */
  defaultModel: string;
  metrics?: MetricsClient;
  tools?: ToolRouter;
  /** History files and their index; without one nothing is persisted. */
  store?: ThreadStore;
  /** Where provider keys and the trace root are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Idle time before an unsubscribed thread unloads; default `SPOOL_THREAD_IDLE_UNLOAD_MS` or 30 min. */
  idleUnloadMs?: number;
}

/** Who is starting a thread: the connection's client identity. */
export interface ThreadOrigin {
  originator: string | null;
}

type UnloadListener = (threadId: string) => void;

/**
 * The loaded threads of one app-server process and the operations on threads as a whole:
 * start, resume (from memory or disk), fork, read, list, and unloading threads nobody watches.
 */
export class ThreadManager {
  private readonly loaded = new Map<string, CoreThread>();
  private readonly unloadTimers = new Map<string, NodeJS.Timeout>();
  private readonly unloadListeners = new Set<UnloadListener>();
  private readonly idleUnloadMs: number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly tools: ToolRouter;
  private readonly session: SessionDeps;
  private shuttingDown: Promise<void> | undefined;

  constructor(private readonly options: ThreadManagerOptions) {
    this.env = options.env ?? process.env;
    this.tools = options.tools ?? NO_TOOLS;
    const fromEnv = Number(this.env.SPOOL_THREAD_IDLE_UNLOAD_MS);
    this.idleUnloadMs =
      options.idleUnloadMs ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_IDLE_UNLOAD_MS);
    this.session = {
      options,
      env: this.env,
      tools: this.tools,
      register: (thread) => this.loaded.set(thread.id, thread),
    };
  }

  get(threadId: string): CoreThread | undefined {
    return this.loaded.get(threadId);
  }

  /** The loaded thread, or `ThreadNotFoundError`. */
  require(threadId: string): CoreThread {
    const t = this.loaded.get(threadId);
    if (!t) throw new ThreadNotFoundError(threadId);
    return t;
  }

  loadedThreads(): CoreThread[] {
    return [...this.loaded.values()];
  }

  /** Called with a thread's id after it is unloaded (idle, unsubscribed). */
  onUnload(listener: UnloadListener): () => void {
    this.unloadListeners.add(listener);
    return () => this.unloadListeners.delete(listener);
  }

  /** `thread/start`: a new thread, loaded, nothing written until its first turn. */
  startThread(params: ThreadStartParams, origin: ThreadOrigin): CoreThread {
    this.assertRunning();
    const id = newThreadId();
    const settings = resolveThreadSettings(this.options, params, undefined);
    const nowS = Math.floor(Date.now() / 1000);
    const ephemeral = params.ephemeral ?? false;
    const meta: ThreadMeta = {
      id,
      createdAt: nowS,
      updatedAt: nowS,
      preview: "",
      ephemeral,
      source: "vscode",
      originator: origin.originator,
      cliVersion: SPOOL_VERSION,
      forkedFromId: null,
      path: ephemeral ? null : (this.options.store?.pathFor(id, Date.now()) ?? null),
      serviceName: params.serviceName ?? null,
      threadSource: params.threadSource ?? null,
      name: null,
    };
    const state: ThreadState = {
      history: [],
      turns: [],
      usage: emptyTokenUsage(),
      hasContext: false,
      turnStarts: new Map(),
    };
    const thread = loadThread(this.session, meta, settings, state, {
      lazy: true,
      dynamicTools: params.dynamicTools ?? [],
    });
    return thread;
  }

  /**
   * `thread/resume`: the loaded thread (with overrides applied), else the thread rebuilt from its
   * history file. Throws `ThreadNotFoundError` when neither exists.
   */
  resumeThread(params: ThreadResumeParams): CoreThread {
    this.assertRunning();
    const loaded = this.loaded.get(params.threadId);
    if (loaded) {
      loaded.settings = resolveThreadSettings(this.options, params, loaded.settings);
      return loaded;
    }
    const stored = this.loadUnarchived(params.threadId);
    const settings = resolveThreadSettings(this.options, params, stored.settings);
    const marker = stored.state.history[stored.state.history.length - 1];
    const repair: [HistoryLineType, unknown][] = stored.unfinishedTurnId
      ? [
          ["event_msg", { type: "turn_aborted", turn_id: stored.unfinishedTurnId, reason: "interrupted" }],
          ["response_item", marker],
        ]
      : [];
    return loadThread(this.session, stored.meta, settings, stored.state, {
      lazy: false,
      resumed: true,
      repair,
    });
  }

  /** `thread/fork`: a new thread whose history is the source's up to `lastTurnId` (inclusive). */
  forkThread(params: ThreadForkParams, origin: ThreadOrigin): CoreThread {
    this.assertRunning();
    let sourceMeta: ThreadMeta;
    let sourceSettings: ThreadSettings;
    let state: ThreadState;
    let activeTurnId: string | undefined;
    const loaded = this.loaded.get(params.threadId);
    if (loaded) {
      sourceMeta = loaded.meta;
      sourceSettings = loaded.settings;
      state = loaded.stateCopy();
      activeTurnId = loaded.activeTurnId;
    } else {
      const stored = this.loadUnarchived(params.threadId);
      sourceMeta = stored.meta;
      sourceSettings = stored.settings;
      state = stored.state;
    }
    if (params.lastTurnId) {
      const idx = state.turns.findIndex((t) => t.id === params.lastTurnId);
      if (idx < 0)
        throw new InvalidCoreArgumentError(
          `lastTurnId: no turn ${params.lastTurnId} in thread ${params.threadId}`,
        );
      if (state.turns[idx]!.status === "inProgress") {
        throw new InvalidTurnStateError(`lastTurnId: turn ${params.lastTurnId} is still in progress`);
      }
      state = truncateAfterTurn(state, params.lastTurnId);
      activeTurnId = undefined;
    } else if (activeTurnId !== undefined) {
      // Forked mid-turn: the fork sees that turn as interrupted (spec/app-server.md §5).
      state.history.push(turnAbortedItem(activeTurnId));
      for (const t of state.turns) {
        if (t.status === "inProgress") {
          t.status = "interrupted";
          t.items = t.items.filter((i) => i.type === "userMessage");
        }
      }
    }
    const id = newThreadId();
    const ephemeral = params.ephemeral ?? false;
    const nowS = Math.floor(Date.now() / 1000);
    const meta: ThreadMeta = {
      ...sourceMeta,
      id,
      createdAt: nowS,
      updatedAt: nowS,
      ephemeral,
      originator: origin.originator ?? sourceMeta.originator,
      forkedFromId: params.threadId,
      path: ephemeral ? null : (this.options.store?.pathFor(id, Date.now()) ?? null),
      threadSource: params.threadSource ?? sourceMeta.threadSource,
    };
    const settings = resolveThreadSettings(this.options, params, sourceSettings);
    return loadThread(this.session, meta, settings, state, { lazy: false, forkedHistory: true });
  }

  /** A stored thread to resume or fork from; an archived one must be unarchived first. */
  private loadUnarchived(threadId: string): StoredThread {
    const store = this.options.store;
    if (store?.locate(threadId)?.archived) {
      throw new InvalidTurnStateError(
        `thread ${threadId} is archived; unarchive it first (thread/unarchive)`,
      );
    }
    const stored = store?.load(threadId);
    if (!stored) throw new ThreadNotFoundError(threadId);
    return stored;
  }

  /** `thread/read`: a loaded thread, else the thread's history file (archived ones too). */
  readThread(threadId: string, includeTurns: boolean): Thread {
    const loaded = this.loaded.get(threadId);
    if (loaded) return loaded.snapshot(includeTurns);
    const stored = this.options.store?.load(threadId);
    if (!stored) throw new ThreadNotFoundError(threadId);
    const turns = includeTurns ? stored.state.turns.map((t) => ({ ...t, itemsView: "full" as const })) : [];
    return threadView(stored.meta, stored.settings, turns, { type: "notLoaded" });
  }

  /** `thread/list`: from the index only; loaded threads report their live status. */
  listThreads(params: ThreadListParams): ThreadListResponse {
    if (params.originators && params.originators.length > 0) {
      throw new InvalidCoreArgumentError(
        "originators: filtering by originator is not supported by a local server",
      );
    }
    const store = this.options.store;
    if (!store) return { data: [], nextCursor: null, backwardsCursor: null };
    const page = store.list(params);
    return {
      ...page,
      data: page.data.map((t) => {
        const live = this.loaded.get(t.id);
        return live ? { ...t, status: live.status() } : t;
      }),
    };
  }

  /**
   * `thread/archive`: the thread is unloaded (a running turn is interrupted, its subscribers told
   * `thread/closed`) and its history file moved to `archived_sessions/`. A thread with no file
   * yet (no turn written, or ephemeral) cannot be archived and stays as it is.
   */
  async archiveThread(threadId: string): Promise<void> {
    const found = this.options.store?.locate(threadId);
    if (!found || found.archived) {
      throw new ThreadNotFoundError(threadId, `no rollout found for thread id ${threadId}`);
    }
    await this.closeNow(threadId);
    this.options.store!.archive(threadId);
  }

  /** `thread/unarchive`: the history file back in `sessions/`; the thread as stored, not loaded. */
  unarchiveThread(threadId: string): Thread {
    const store = this.options.store;
    if (!store)
      throw new ThreadNotFoundError(threadId, `no archived rollout found for thread id ${threadId}`);
    const stored = store.unarchive(threadId);
    return threadView(stored.meta, stored.settings, [], { type: "notLoaded" });
  }

  /** `thread/delete`: the thread unloaded and its history file (archived or not) deleted. */
  async deleteThread(threadId: string): Promise<void> {
    const found = this.options.store?.locate(threadId);
    if (!found && !this.loaded.has(threadId)) throw new ThreadNotFoundError(threadId);
    await this.closeNow(threadId);
    if (found) this.options.store!.remove(threadId);
  }

  /** Unloads a loaded thread at once, whoever is subscribed. */
  private async closeNow(threadId: string): Promise<void> {
    const thread = this.loaded.get(threadId);
    if (!thread) return;
    clearTimeout(this.unloadTimers.get(threadId));
    this.unloadTimers.delete(threadId);
    await this.unload(thread);
  }

  /** A connection subscribed: the thread must not unload. */
  retain(threadId: string): void {
    const timer = this.unloadTimers.get(threadId);
    if (timer) {
      clearTimeout(timer);
      this.unloadTimers.delete(threadId);
    }
  }

  /** The last subscriber left: unload after the idle time (a running turn finishes first). */
  release(threadId: string): void {
    const thread = this.loaded.get(threadId);
    if (!thread || this.unloadTimers.has(threadId)) return;
    const timer = setTimeout(() => {
      this.unloadTimers.delete(threadId);
      if (thread.activeTurnId !== undefined) {
        this.release(threadId);
        return;
      }
      void this.unload(thread);
    }, this.idleUnloadMs);
    timer.unref();
    this.unloadTimers.set(threadId, timer);
  }

  private async unload(thread: CoreThread): Promise<void> {
    if (this.loaded.get(thread.id) !== thread) return;
    this.loaded.delete(thread.id);
    await thread.shutdown();
    log.debug("thread unloaded", { "thread.id": thread.id });
    for (const l of this.unloadListeners) l(thread.id);
  }

  /** Ends every loaded thread (running turns are interrupted) and flushes their records. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      for (const t of this.unloadTimers.values()) clearTimeout(t);
      this.unloadTimers.clear();
      const threads = [...this.loaded.values()];
      this.loaded.clear();
      await Promise.allSettled(threads.map((t) => t.shutdown()));
      await this.tools
        .close?.()
        .catch((err: unknown) => log.warn("closing tools failed", { error: String(err) }));
      this.options.store?.close();
    })();
    return this.shuttingDown;
  }

  private assertRunning(): void {
    if (this.shuttingDown) throw new InvalidTurnStateError("the server is shutting down");
  }
}

/** Turns after `lastTurnId` dropped, with the history items they added. */
function truncateAfterTurn(state: ThreadState, lastTurnId: string): ThreadState {
  const idx = state.turns.findIndex((t) => t.id === lastTurnId);
  const keep = state.turns.slice(0, idx + 1);
  const cut = state.turns[idx + 1];
  const historyEnd = cut ? (state.turnStarts.get(cut.id) ?? state.history.length) : state.history.length;
  const turnStarts = new Map([...state.turnStarts].filter(([id]) => keep.some((t) => t.id === id)));
  return { ...state, turns: keep, history: state.history.slice(0, historyEnd), turnStarts };
}
