import { userMessageItem } from "../prompt.js";
import { userShellRecord, type UserShellResult } from "../tools/user-shell.js";
import type { SessionTask, TaskOutcome, TurnContext } from "./task.js";

/**
 * A command the user typed (`thread/shellCommand`, Codex `tasks/user_shell.rs`): a turn of its
 * own with one `commandExecution` item and no model request; what it printed joins the history
 * as a `<user_shell_command>` user message, so the model sees it on the next turn. An interrupt
 * terminates the command and records `command aborted by user`, as Codex does.
 */
export class UserShellTask implements SessionTask {
  readonly spanName = "session_task.user_shell";

  constructor(
    private readonly command: string,
    private readonly timeoutMs: number,
  ) {}

  async run(ctx: TurnContext, signal: AbortSignal): Promise<TaskOutcome> {
    const run = ctx.tools.userShell;
    const result: UserShellResult = run
      ? await run(this.command, this.timeoutMs, {
          threadId: ctx.threadId,
          turnId: ctx.turnId,
          cwd: ctx.settings.cwd,
          signal,
          emit: (e) => ctx.emit(e),
          completeItem: (item) => ctx.completeItem(item),
        })
      : { exitCode: -1, output: "execution error: this server runs no commands", durationMs: 0 };
    const record = userShellRecord(this.command, result);
    ctx.appendHistory([userMessageItem([{ type: "text", text: record, text_elements: [] }])]);
    return signal.aborted ? { status: "interrupted" } : { status: "completed" };
  }
}
