import { v5 as uuidv5, v7 as uuidv7 } from "uuid";

// Codex's ids: threads, turns and the items core adds to history are UUIDv7 (time-ordered, so
// files and index rows sort by creation); the base-instructions message gets a name-based id so
// identical instructions keep one id across requests.

/** A new thread id (UUIDv7). */
export function newThreadId(): string {
  return uuidv7();
}

/** A new turn / submission id (UUIDv7). */
export function newTurnId(): string {
  return uuidv7();
}

/** A new id for an item core creates, e.g. `msg_<uuidv7>` for a user message. */
export function newItemId(prefix: string): string {
  return `${prefix}_${uuidv7()}`;
}

const INSTRUCTIONS_NAMESPACE = "6f1d7a3e-3c1b-4f57-9b0e-2f3b8f1f0c55";

/** A stable id for a message whose text is fixed (`msg_<uuidv5(text)>`). */
export function stableItemId(prefix: string, text: string): string {
  return `${prefix}_${uuidv5(text, INSTRUCTIONS_NAMESPACE)}`;
}
