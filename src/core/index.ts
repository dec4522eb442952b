export { ThreadManager, DEFAULT_IDLE_UNLOAD_MS } from "./thread-manager.js";
export type { ThreadManagerOptions, ThreadOrigin } from "./thread-manager.js";
export { CoreThread } from "./thread.js";
export type { ThreadMeta, ThreadState } from "./thread.js";
export type { CoreEvent, CoreEventListener } from "./events.js";
export type { ApprovalDecision, ApprovalRequest } from "./approvals/index.js";
export type { ThreadSettings } from "./settings.js";
export { withOverrides } from "./settings.js";
export type { DynamicToolCallRequest } from "./tools/dynamic.js";
export { ThreadStore } from "./store/thread-store.js";
export { NO_TOOLS } from "./tools.js";
export {
  ParallelGate,
  TOOL_CALL_TIMING_TARGET,
  ToolCallAbortedError,
  ToolRegistry,
  applyPatchTool,
  defaultShell,
  defineTool,
  execCommandTool,
  shellCommandTool,
  userShellRunner,
  truncateMiddle,
} from "./tools/index.js";
export type { ExecClientProvider, ToolHandler, ToolInvocation, ToolOutput } from "./tools/index.js";
export type { ToolCallRequest, ToolContext, ToolRouter } from "./tools.js";
export type { SessionTask, TaskOutcome, TurnContext } from "./tasks/task.js";
export { INTERRUPT_GRACE_MS } from "./active-turn.js";
export { MAX_QUEUED_SUBMISSIONS } from "./submission-loop.js";
export {
  CoreBusyError,
  CoreError,
  InvalidCoreArgumentError,
  InvalidTurnStateError,
  ThreadNotFoundError,
} from "./errors.js";
