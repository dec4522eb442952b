import type {
  CodeCellRecorder,
  CompactionRecorder,
  CompactionRequestRecorder,
  InferenceRecorder,
  RolloutRecorder,
  ThreadRecorder,
  ToolCallRecorder,
  TurnRecorder,
} from "./recorder-types.js";

/*
 * Disabled recording: shared frozen singletons whose methods do nothing and allocate nothing.
 * Handle ids read as "" because no id was assigned.
 */

const noop = (): void => undefined;
const resolved = Promise.resolve();

const NOOP_INFERENCE: InferenceRecorder = Object.freeze({
  inferenceCallId: "",
  completed: noop,
  failed: noop,
  cancelled: noop,
  dropped: noop,
});

const NOOP_TOOL: ToolCallRecorder = Object.freeze({
  toolCallId: "",
  runtimeStarted: noop,
  runtimeEnded: noop,
  terminalStarted: noop,
  terminalEnded: noop,
  mcpCallAssigned: noop,
  stdinTargetResolved: noop,
  ended: noop,
});

const NOOP_CODE_CELL: CodeCellRecorder = Object.freeze({ initialResponse: noop, ended: noop });

const NOOP_COMPACTION_REQUEST: CompactionRequestRecorder = Object.freeze({ completed: noop, failed: noop });

const NOOP_COMPACTION: CompactionRecorder = Object.freeze({
  compactionId: "",
  startRequest: () => NOOP_COMPACTION_REQUEST,
  installed: noop,
});

const NOOP_TURN: TurnRecorder = Object.freeze({
  codexTurnId: "",
  historyItemAccepted: noop,
  startInference: () => NOOP_INFERENCE,
  startToolCall: () => NOOP_TOOL,
  startCodeCell: () => NOOP_CODE_CELL,
  startCompaction: () => NOOP_COMPACTION,
  ended: noop,
});

const NOOP_THREAD: ThreadRecorder = Object.freeze({
  threadId: "",
  startTurn: () => NOOP_TURN,
  resumed: noop,
  ended: noop,
});

/** The recorder used when rollout tracing is disabled. */
export const DISABLED_RECORDER: RolloutRecorder = Object.freeze({
  enabled: false,
  bundleDir: null,
  startThread: () => NOOP_THREAD,
  protocolEvent: noop,
  agentResult: noop,
  end: () => resolved,
  flush: () => resolved,
});
