import type { UserInput } from "./v2-common.js";

// ThreadItem and Turn, the units of a thread's history on the wire (codex-schema 0.169.0).

interface ItemTimes {
  startedAtMs?: number | null;
  completedAtMs?: number | null;
}

export type ThreadItem =
  | ({ type: "userMessage"; id: string; content: UserInput[]; clientId?: string | null } & ItemTimes)
  | ({
      type: "agentMessage";
      id: string;
      text: string;
      phase?: string | null;
    } & ItemTimes)
  | ({ type: "reasoning"; id: string; summary?: string[]; content?: string[] } & ItemTimes)
  | ({
      type: "functionCallOutput";
      id: string;
      name: string;
      output: string;
      namespace?: string | null;
    } & ItemTimes)
  | ({ type: "plan"; id: string; text: string } & ItemTimes)
  | ({ type: "contextCompaction"; id: string } & ItemTimes)
  // Item kinds Core II and later add (commandExecution, fileChange, …) keep their own fields.
  | ({ type: string; id: string; [key: string]: unknown } & ItemTimes);

export type TurnStatus = "inProgress" | "completed" | "interrupted" | "failed";

export type CodexErrorInfo =
  | "contextWindowExceeded"
  | "usageLimitExceeded"
  | "rateLimitExceeded"
  | "serverOverloaded"
  | "modelNotFound"
  | "internalServerError"
  | "unauthorized"
  | "badRequest"
  | "other"
  | { httpConnectionFailed: { httpStatusCode: number | null } }
  | { responseStreamConnectionFailed: { httpStatusCode: number | null } }
  | { responseStreamDisconnected: { httpStatusCode: number | null } }
  | { responseTooManyFailedAttempts: { httpStatusCode: number | null } };

export interface TurnError {
  message: string;
  codexErrorInfo?: CodexErrorInfo | null;
  additionalDetails?: string | null;
}

export type TurnItemsView = "notLoaded" | "summary" | "full";

export interface Turn {
  id: string;
  items: ThreadItem[];
  status: TurnStatus;
  error: TurnError | null;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
  itemsView: TurnItemsView;
  rootTurnId?: string | null;
}
