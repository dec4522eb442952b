import type { SessionTask, TaskOutcome, TurnContext } from "../tasks/task.js";
import { runCompaction } from "./run.js";

/** The `thread/compact/start` turn (Codex `tasks/compact`): one manual compaction. */
export class CompactTask implements SessionTask {
  readonly spanName = "session_task.compact";

  run(ctx: TurnContext, signal: AbortSignal): Promise<TaskOutcome> {
    return runCompaction(ctx, signal, "manual");
  }
}
