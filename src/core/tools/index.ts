export { ToolRegistry, ToolCallAbortedError, defineTool } from "./router.js";
export type { ToolHandler, ToolInvocation, ToolOutput } from "./router.js";
export { ParallelGate, TOOL_CALL_TIMING_TARGET } from "./parallel.js";
export { shellCommandTool, defaultShell } from "./shell.js";
export { execCommandTool, unifiedExecTools } from "./unified-exec.js";
export type { ExecClientProvider } from "./shell.js";
export { truncateMiddle } from "./truncate.js";
export { applyPatchTool } from "./apply-patch.js";
