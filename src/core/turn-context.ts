import type { ModelClient } from "../model-client/index.js";
import type { SessionTelemetry } from "../telemetry/index.js";
import type { ActiveTurn } from "./active-turn.js";
import type { ApprovalBroker } from "./approvals/index.js";
import type { CoreEvent } from "./events.js";
import type { ResponseChain, TurnContext } from "./tasks/task.js";
import type { ThreadHistory } from "./thread-history.js";
import type { ToolRouter } from "./tools.js";

/** The parts of a thread a running turn's task reaches through its `TurnContext`. */
export interface TurnContextSource {
  threadId: string;
  client: ModelClient;
  tools: ToolRouter;
  telemetry: SessionTelemetry;
  history: ThreadHistory;
  approvals: ApprovalBroker;
  emit(event: CoreEvent): void;
  /** Interrupts `turn` if it is still the thread's running turn. */
  cancel(turn: ActiveTurn): void;
  chain(): ResponseChain | undefined;
  setChain(chain: ResponseChain | undefined): void;
}

/**
 * A turn's view of its thread. Once the turn has finished (interrupted and abandoned, say) its
 * task may still be running; from then on what it emits or records is dropped.
 */
export function turnContext(thread: TurnContextSource, turn: ActiveTurn): TurnContext {
  const { history, approvals } = thread;
  return {
    threadId: thread.threadId,
    turnId: turn.id,
    settings: turn.settings,
    client: thread.client,
    tools: thread.tools,
    rollout: turn.rollout,
    telemetry: thread.telemetry,
    approvals: {
      newId: (itemId) => approvals.newId(itemId),
      ask: (request, signal) => approvals.ask(request, signal),
      isApprovedForSession: (key) => approvals.isApprovedForSession(key),
      approveForSession: (keys) => approvals.approveForSession(keys),
      cancelTurn: () => thread.cancel(turn),
    },
    toolCallStarted: () => {
      turn.toolCalls++;
    },
    recordFileChange: (path, before, after) => turn.diff.record(path, before, after),
    emit: (e) => {
      if (!turn.finished) thread.emit(e);
    },
    history: () => history.items,
    appendHistory: (items) => {
      if (!turn.finished) history.append(turn, items);
    },
    completeItem: (item) => {
      if (!turn.finished) history.completeItem(turn, item);
    },
    replaceHistory: (replacement, summary) => {
      if (turn.finished) return;
      history.replace(replacement, summary);
    },
    contextTokens: () => history.contextTokens(),
    recordUsage: (last) => {
      if (turn.finished) return;
      const total = history.recordUsage(turn.id, last);
      thread.emit({
        type: "token_count",
        turnId: turn.id,
        usage: { total: { ...total }, last, modelContextWindow: null },
      });
    },
    chain: () => thread.chain(),
    setChain: (c) => {
      if (!turn.finished) thread.setChain(c);
    },
    takeSteeredInput: () => turn.steered.splice(0),
    hasSteeredInput: () => turn.steered.length > 0,
    firstToken: () => {
      if (turn.sawFirstToken) return;
      turn.sawFirstToken = true;
      thread.telemetry.turnTtft(Date.now() - turn.startedAtMs);
    },
  };
}
