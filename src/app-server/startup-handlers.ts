import type { Turn, TurnItemsView } from "../protocol/index.js";
import { JsonRpcError, implement } from "../rpc/index.js";
import { coreCall } from "./core-errors.js";
import type { HandlerContext } from "./methods.js";
import { listSkills } from "./skills.js";
import {
  accountRead,
  bedrockCheckGovCloudRequirements,
  collaborationModeList,
  configRequirementsRead,
  hooksList,
  pluginInstalled,
  skillsList,
  threadLoadedList,
  threadReadStateUpdate,
  threadTurnsList,
} from "./startup-methods.js";

// Spool signs in to model providers with API keys, never with a ChatGPT account; the TUI only
// needs to know whether OpenAI auth is missing so it can say why a turn would fail.
const handleAccountRead = implement(accountRead, (_params, { services }: HandlerContext) => {
  const p = services.modelProvider;
  const missingKey = p.id === "openai" && p.envKey !== undefined && !process.env[p.envKey];
  return { account: null, userId: null, requiresOpenaiAuth: missingKey, workspaceRouting: null };
});

// No requirements.toml/MDM layer exists in Spool: nothing is enforced beyond config.toml.
const handleConfigRequirementsRead = implement(configRequirementsRead, () => ({
  requirements: null,
  supportsIndependentSpeedModes: true,
}));

/** The cwds a per-cwd listing covers: the ones asked for, else the server's own. */
function cwdsOf(cwds: readonly string[] | null | undefined): string[] {
  return cwds && cwds.length > 0 ? [...cwds] : [process.cwd()];
}

// Spool runs no lifecycle hooks yet, so every cwd reports none (and no errors).
const handleHooksList = implement(hooksList, (params, { services }: HandlerContext) => {
  const cwds = params.threadId
    ? [coreCall(() => services.core.require(params.threadId!)).settings.cwd]
    : cwdsOf(params.cwds);
  return { data: cwds.map((cwd) => ({ cwd, hooks: [], warnings: [], errors: [] })) };
});

const handleSkillsList = implement(skillsList, (params, { services }: HandlerContext) => ({
  data: cwdsOf(params.cwds).map((cwd) => ({ cwd, ...listSkills(cwd, services.config.home) })),
}));

// Codex's two built-in presets, as its server lists them (model and effort null = inherit).
const COLLABORATION_MODES = [
  { name: "Plan", mode: "plan" as const, model: null, reasoning_effort: "medium" },
  { name: "Default", mode: "default" as const, model: null, reasoning_effort: null },
];
const handleCollaborationModeList = implement(collaborationModeList, () => ({
  data: COLLABORATION_MODES.map((m) => ({ ...m })),
}));

// Spool has no Bedrock provider, so there is never a GovCloud region to warn about.
const handleBedrockCheck = implement(bedrockCheckGovCloudRequirements, () => ({
  isGovCloud: false,
  shouldWarn: false,
}));

// The TUI asks while the composer offers `@` mentions; Spool has no plugin marketplaces yet.
const handlePluginInstalled = implement(pluginInstalled, () => ({
  marketplaces: [],
  marketplaceLoadErrors: [],
}));

interface Anchor {
  /** Turn id (thread/turns/list) or thread id (thread/loaded/list) the page continues from. */
  id: string;
  /** Whether the anchor itself is on the next page (a backwards cursor repeats it). */
  incl: boolean;
}

function encodeCursor(a: Anchor): string {
  return Buffer.from(JSON.stringify(a)).toString("base64url");
}

function decodeCursor(cursor: string): Anchor {
  try {
    const a = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Partial<Anchor>;
    if (typeof a.id === "string" && typeof a.incl === "boolean") return { id: a.id, incl: a.incl };
  } catch {
    // falls through to the error below
  }
  throw JsonRpcError.invalidParams("Invalid params: cursor: not a cursor this server issued");
}

/** Where a page starts in `ids` (already in page order), or -32602 for a vanished anchor. */
function pageStart(ids: readonly string[], cursor: string | null | undefined): number {
  if (!cursor) return 0;
  const a = decodeCursor(cursor);
  const i = ids.indexOf(a.id);
  if (i < 0) throw JsonRpcError.invalidParams("Invalid params: cursor: its anchor no longer exists");
  return a.incl ? i : i + 1;
}

const handleThreadLoadedList = implement(threadLoadedList, (params, { services }: HandlerContext) => {
  const ids = services.core.loadedThreads().map((t) => t.id);
  const start = pageStart(ids, params.cursor);
  const limit = params.limit ? params.limit : ids.length;
  const data = ids.slice(start, start + limit);
  const last = data.at(-1);
  return {
    data,
    nextCursor:
      last !== undefined && start + data.length < ids.length ? encodeCursor({ id: last, incl: false }) : null,
  };
});

/** A turn as `itemsView` asks: summary keeps the user's messages and the final answer. */
function viewOf(turn: Turn, view: TurnItemsView): Turn {
  if (view === "full") return { ...turn, itemsView: "full" };
  if (view === "notLoaded") return { ...turn, items: [], itemsView: "notLoaded" };
  const lastAnswer = turn.items.findLast((i) => i.type === "agentMessage");
  const items = turn.items.filter((i) => i.type === "userMessage" || i === lastAnswer);
  return { ...turn, items, itemsView: "summary" };
}

const handleThreadTurnsList = implement(threadTurnsList, (params, { services }: HandlerContext) => {
  const loaded = services.core.get(params.threadId);
  const all = loaded
    ? loaded.turnsView()
    : coreCall(() => services.core.readThread(params.threadId, true)).turns;
  const desc = (params.sortDirection ?? "desc") === "desc";
  const ordered = desc ? [...all].reverse() : all;
  const start = pageStart(
    ordered.map((t) => t.id),
    params.cursor,
  );
  const limit = params.limit ? params.limit : ordered.length;
  const page = ordered.slice(start, start + limit);
  const first = page[0];
  const last = page.at(-1);
  return {
    data: page.map((t) => viewOf(t, params.itemsView ?? "summary")),
    nextCursor:
      last !== undefined && start + page.length < ordered.length
        ? encodeCursor({ id: last.id, incl: false })
        : null,
    backwardsCursor: first !== undefined ? encodeCursor({ id: first.id, incl: true }) : null,
  };
});

const handleThreadReadStateUpdate = implement(
  threadReadStateUpdate,
  (params, { services }: HandlerContext) => {
    const thread = coreCall(() => services.core.require(params.threadId));
    const lastTurn = thread.turnsView().at(-1);
    return {
      readState: services.readStates.update(
        thread.id,
        params.operation.type,
        params.expectedRevision,
        lastTurn?.id,
      ),
    };
  },
);

export const STARTUP_HANDLERS = [
  handleAccountRead,
  handleConfigRequirementsRead,
  handleHooksList,
  handleSkillsList,
  handleCollaborationModeList,
  handleBedrockCheck,
  handlePluginInstalled,
  handleThreadLoadedList,
  handleThreadTurnsList,
  handleThreadReadStateUpdate,
];
