export { ToolRegistry, ToolCallAbortedError, defineTool } from "./router.js";
export type { ToolHandler, ToolInvocation, ToolOutput } from "./router.js";
export { ParallelGate, TOOL_CALL_TIMING_TARGET } from "./parallel.js";
export { execCommandTool, shellCommandTool, defaultShell } from "./shell.js";
export type { ExecClientProvider } from "./shell.js";
export { truncateMiddle } from "./truncate.js";
export { applyPatchTool } from "./apply-patch.js";
export { USER_SHELL_TIMEOUT_MS, userShellRecord, userShellRunner } from "./user-shell.js";
export type { UserShellContext, UserShellResult, UserShellRunner } from "./user-shell.js";
