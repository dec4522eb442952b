import { withOverrides, type CoreThread } from "../core/index.js";
import type {
  CollaborationMode,
  ReasoningSummary,
  ThreadSettingsSnapshot,
  TurnContextOverrides,
  TurnStartParams,
} from "../protocol/index.js";

/**
 * What a thread's turns run with beyond core's settings, as the Codex TUI sees it: the
 * collaboration mode of its last `turn/start`, and the `thread/settings/updated` it was last told.
 * Keyed by the loaded thread, so an unloaded thread's entry goes with it.
 */
interface TurnSettingsState {
  mode: CollaborationMode | undefined;
  lastSent: string | undefined;
  warnedModels: Set<string>;
}

const STATE = new WeakMap<CoreThread, TurnSettingsState>();

function stateOf(thread: CoreThread): TurnSettingsState {
  let s = STATE.get(thread);
  if (!s) STATE.set(thread, (s = { mode: undefined, lastSent: undefined, warnedModels: new Set() }));
  return s;
}

/** A turn's core overrides: a collaboration mode's model and effort win, as in Codex. */
export function turnOverrides(p: TurnStartParams): TurnContextOverrides {
  const o: TurnContextOverrides = {};
  if (p.cwd) o.cwd = p.cwd;
  if (p.model) o.model = p.model;
  if (p.effort) o.effort = p.effort;
  if (p.summary) o.summary = p.summary;
  if (p.approvalPolicy) o.approvalPolicy = p.approvalPolicy as string;
  if (p.sandboxPolicy) o.sandboxPolicy = p.sandboxPolicy;
  if (p.outputSchema !== undefined && p.outputSchema !== null) o.outputSchema = p.outputSchema;
  const mode = p.collaborationMode?.settings;
  if (mode?.model) o.model = mode.model;
  if (mode?.reasoning_effort) o.effort = mode.reasoning_effort;
  return o;
}

export interface TurnSettingsChange {
  /** Set when the settings differ from the ones the thread's subscribers were last told. */
  updated?: ThreadSettingsSnapshot;
  /** Set the first time a thread runs a model the catalog does not list. */
  unknownModel?: string;
}

/**
 * Records an accepted `turn/start`: its collaboration mode (kept for the thread's later turns)
 * and what its subscribers must be told.
 */
export function acceptTurnSettings(
  thread: CoreThread,
  params: TurnStartParams,
  overrides: TurnContextOverrides,
  knownModel: (model: string) => boolean,
): TurnSettingsChange {
  const state = stateOf(thread);
  const s = withOverrides(thread.settings, overrides);
  if (params.collaborationMode) state.mode = params.collaborationMode;
  const mode: CollaborationMode = state.mode ?? {
    mode: "default",
    settings: { model: s.model, reasoning_effort: s.reasoningEffort, developer_instructions: null },
  };
  const snapshot: ThreadSettingsSnapshot = {
    cwd: s.cwd,
    approvalPolicy: s.approvalPolicy,
    approvalsReviewer: s.approvalsReviewer,
    sandboxPolicy: s.sandbox,
    model: s.model,
    modelProvider: s.modelProvider,
    serviceTier: s.serviceTier,
    effort: s.reasoningEffort,
    summary: s.reasoningSummary as ReasoningSummary,
    collaborationMode: mode,
    personality: null,
    disabledPluginIds: [],
  };
  const change: TurnSettingsChange = {};
  const key = JSON.stringify(snapshot);
  if (key !== state.lastSent) {
    state.lastSent = key;
    change.updated = snapshot;
  }
  if (!knownModel(s.model) && !state.warnedModels.has(s.model)) {
    state.warnedModels.add(s.model);
    change.unknownModel = s.model;
  }
  return change;
}
