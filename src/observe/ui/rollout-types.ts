import type {
  AgentThread,
  CodexTurn,
  Compaction,
  ConversationItem,
  InferenceCall,
  InteractionEdge,
  TerminalOperation,
  ToolCall,
} from "../../rollout-trace/index.js";

export type {
  AgentThread,
  CodexTurn,
  Compaction,
  ConversationItem,
  InferenceCall,
  InteractionEdge,
  TerminalOperation,
  ToolCall,
};

/** `state.json` as the viewer reads it (maps are JSON objects keyed by id). */
export interface RolloutState {
  schema_version: number;
  trace_id: string;
  rollout_id: string;
  started_at_unix_ms: number;
  ended_at_unix_ms: number | null;
  status: string;
  recording_complete: boolean;
  root_thread_id: string;
  threads: Record<string, AgentThread>;
  codex_turns: Record<string, CodexTurn>;
  conversation_items: Record<string, ConversationItem>;
  inference_calls: Record<string, InferenceCall>;
  tool_calls: Record<string, ToolCall>;
  terminal_operations: Record<string, TerminalOperation>;
  compactions: Record<string, Compaction>;
  interaction_edges: Record<string, InteractionEdge>;
}
