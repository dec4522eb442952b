import type { ApprovalRequest } from "./approvals/types.js";
import type { DynamicToolCallRequest } from "./tools/dynamic.js";
import type { ThreadItem, ThreadStatus, ThreadTokenUsage, Turn, TurnError } from "../protocol/index.js";

/**
 * Core's own event stream for one thread (Codex's EventMsg, in TypeScript). Core knows nothing of
 * JSON-RPC: the app-server maps each event to v2 notifications in one module.
 */
export type CoreEvent =
  | { type: "status_changed"; status: ThreadStatus }
  | { type: "turn_started"; turn: Turn }
  | { type: "item_started"; turnId: string; item: ThreadItem; atMs: number }
  | { type: "item_completed"; turnId: string; item: ThreadItem; atMs: number }
  | { type: "agent_message_delta"; turnId: string; itemId: string; delta: string }
  | { type: "reasoning_summary_part_added"; turnId: string; itemId: string; summaryIndex: number }
  | { type: "reasoning_summary_delta"; turnId: string; itemId: string; delta: string; summaryIndex: number }
  | { type: "reasoning_text_delta"; turnId: string; itemId: string; delta: string; contentIndex: number }
  | { type: "command_output_delta"; turnId: string; itemId: string; delta: string }
  /** `write_stdin` wrote to the session of `itemId`'s command (v2 `item/commandExecution/terminalInteraction`). */
  | { type: "terminal_interaction"; turnId: string; itemId: string; processId: string; stdin: string }
  | { type: "token_count"; turnId: string; usage: ThreadTokenUsage }
  | { type: "error"; turnId: string; error: TurnError; willRetry: boolean }
  /** History was replaced by a compaction (v2 `thread/compacted`, kept for older clients). */
  | { type: "context_compacted"; turnId: string }
  /** A tool call waits on the client's answer (v2 `item/commandExecution/requestApproval`, `item/fileChange/requestApproval`). */
  | { type: "approval_requested"; request: ApprovalRequest }
  /** The request was answered, or its turn ended first (v2 `serverRequest/resolved`). */
  | { type: "approval_resolved"; requestId: string }
  /** A client-run tool was called: the app-server asks the client (`item/tool/call`). */
  | { type: "dynamic_tool_call_requested"; request: DynamicToolCallRequest }
  /** That call no longer waits (answered, or its turn ended). */
  | { type: "dynamic_tool_call_resolved"; requestId: string }
  /** The turn's aggregated unified diff changed (v2 `turn/diff/updated`). */
  | { type: "turn_diff_updated"; turnId: string; diff: string }
  | { type: "turn_completed"; turn: Turn }
  | { type: "closed" };

export type CoreEventListener = (event: CoreEvent) => void;
