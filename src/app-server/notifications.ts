import type { CoreEvent } from "../core/index.js";
import type { ServerNotificationMethod, ServerNotificationParams } from "../protocol/index.js";

/** One v2 notification, typed by method. */
export type Notification = {
  [M in ServerNotificationMethod]: { method: M; params: ServerNotificationParams[M] };
}[ServerNotificationMethod];

/**
 * The one mapping from core's events to v2 notifications (spec/app-server.md §7). Core speaks in
 * events and knows nothing of JSON-RPC; everything a client sees about a turn is decided here.
 */
export function notificationFor(threadId: string, event: CoreEvent): Notification | undefined {
  switch (event.type) {
    case "status_changed":
      return { method: "thread/status/changed", params: { threadId, status: event.status } };
    case "turn_started":
      return { method: "turn/started", params: { threadId, turn: event.turn } };
    case "item_started":
      return {
        method: "item/started",
        params: { threadId, turnId: event.turnId, item: event.item, startedAtMs: event.atMs },
      };
    case "item_completed":
      return {
        method: "item/completed",
        params: { threadId, turnId: event.turnId, item: event.item, completedAtMs: event.atMs },
      };
    case "agent_message_delta":
      return {
        method: "item/agentMessage/delta",
        params: { threadId, turnId: event.turnId, itemId: event.itemId, delta: event.delta },
      };
    case "reasoning_summary_part_added":
      return {
        method: "item/reasoning/summaryPartAdded",
        params: { threadId, turnId: event.turnId, itemId: event.itemId, summaryIndex: event.summaryIndex },
      };
    case "reasoning_summary_delta":
      return {
        method: "item/reasoning/summaryTextDelta",
        params: {
          threadId,
          turnId: event.turnId,
          itemId: event.itemId,
          delta: event.delta,
          summaryIndex: event.summaryIndex,
        },
      };
    case "reasoning_text_delta":
      return {
        method: "item/reasoning/textDelta",
        params: {
          threadId,
          turnId: event.turnId,
          itemId: event.itemId,
          delta: event.delta,
          contentIndex: event.contentIndex,
        },
      };
    case "command_output_delta":
      return {
        method: "item/commandExecution/outputDelta",
        params: { threadId, turnId: event.turnId, itemId: event.itemId, delta: event.delta },
      };
    case "token_count":
      return {
        method: "thread/tokenUsage/updated",
        params: { threadId, turnId: event.turnId, tokenUsage: event.usage },
      };
    case "error":
      return {
        method: "error",
        params: { threadId, turnId: event.turnId, error: event.error, willRetry: event.willRetry },
      };
    case "context_compacted":
      return { method: "thread/compacted", params: { threadId, turnId: event.turnId } };
    case "turn_diff_updated":
      return { method: "turn/diff/updated", params: { threadId, turnId: event.turnId, diff: event.diff } };
    case "approval_requested":
    case "approval_resolved":
    case "dynamic_tool_call_requested":
    case "dynamic_tool_call_resolved":
      // Server → client requests, sent by `ApprovalRequests` to the thread's subscribers.
      return undefined;
    case "turn_completed":
      return { method: "turn/completed", params: { threadId, turn: event.turn } };
    case "closed":
      return undefined;
  }
}
