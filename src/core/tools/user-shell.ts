import { CommandOutput } from "./command-output.js";
import type { ThreadItem } from "../../protocol/index.js";
import { withSpan } from "../../telemetry/index.js";
import type { CoreEvent } from "../events.js";
import {
  DEFAULT_MAX_OUTPUT_TOKENS,
  TIMEOUT_EXIT_CODE,
  defaultShell,
  shellJoin,
  type ExecClientProvider,
} from "./shell.js";
import { truncateMiddle } from "./truncate.js";

/** Codex's bound on a user shell command when the client names none: one hour. */
export const USER_SHELL_TIMEOUT_MS = 60 * 60 * 1000;

/** What a user shell command needs from its turn. */
export interface UserShellContext {
  threadId: string;
  turnId: string;
  cwd: string;
  /** The turn's interrupt: the process group is terminated. */
  signal: AbortSignal;
  emit(event: CoreEvent): void;
  completeItem(item: ThreadItem): void;
}

export interface UserShellResult {
  /** -1 when the command was aborted or could not run. */
  exitCode: number;
  /** The aggregated output, or what went wrong (`command aborted by user`, `execution error: …`). */
  output: string;
  durationMs: number;
}

/** Runs a command the user typed; the router of a build without an exec-server has none. */
export type UserShellRunner = (
  command: string,
  timeoutMs: number,
  ctx: UserShellContext,
) => Promise<UserShellResult>;

let nextProcessId = 1;

/**
 * A user shell command as Codex runs one (`tasks/user_shell.rs`): the user's shell as a login
 * shell with the command line untouched (pipes, redirects), no sandbox and no approval (the user
 * typed it), shown as a `commandExecution` item with `source: "userShell"`.
 */
export function userShellRunner(
  exec: ExecClientProvider,
  shell: () => string = defaultShell,
): UserShellRunner {
  return async (command, timeoutMs, ctx) => {
    const argv = [shell(), "-lc", command];
    const processId = `user-shell-${nextProcessId++}`;
    const itemId = `user_shell_${processId}`;
    const startedAtMs = Date.now();
    const base = {
      type: "commandExecution",
      id: itemId,
      command: shellJoin(argv),
      commandActions: [{ type: "unknown", command }],
      cwd: ctx.cwd,
      processId,
      source: "userShell",
      startedAtMs,
    };
    ctx.emit({
      type: "item_started",
      turnId: ctx.turnId,
      item: {
        ...base,
        status: "inProgress",
        aggregatedOutput: null,
        exitCode: null,
        durationMs: null,
        completedAtMs: null,
      },
      atMs: startedAtMs,
    });
    const timeout = AbortSignal.timeout(timeoutMs);
    const out = new CommandOutput((delta) =>
      ctx.emit({ type: "command_output_delta", turnId: ctx.turnId, itemId, delta }),
    );
    const t0 = performance.now();
    let exitCode = -1;
    let failure: string | undefined;
    try {
      exitCode = await withSpan(
        "user_shell.exec_command",
        { "conversation.id": ctx.threadId, turn_id: ctx.turnId, user_shell_process_id: processId },
        async (span) => {
          const client = await exec();
          const proc = await client.start({
            argv,
            cwd: ctx.cwd,
            tty: false,
            processId,
            signal: AbortSignal.any([ctx.signal, timeout]),
            onOutput: (c) => out.push(c.stream, c.bytes),
          });
          const r = await proc.wait();
          span.setAttribute(
            "outcome",
            ctx.signal.aborted ? "aborted" : timeout.aborted ? "timed_out" : "exited",
          );
          return r.exitCode;
        },
      );
    } catch (err) {
      failure = `execution error: ${(err as Error).message}`;
    }
    out.end();
    const output = out.text;
    const durationMs = Math.round(performance.now() - t0);
    const aborted = ctx.signal.aborted;
    if (!aborted && timeout.aborted) exitCode = TIMEOUT_EXIT_CODE;
    const completedAtMs = Date.now();
    const done: ThreadItem = {
      ...base,
      status: aborted || failure !== undefined || exitCode !== 0 ? "failed" : "completed",
      aggregatedOutput: failure ?? output,
      exitCode: aborted || failure !== undefined ? null : exitCode,
      durationMs,
      completedAtMs,
    };
    ctx.completeItem(done);
    ctx.emit({ type: "item_completed", turnId: ctx.turnId, item: done, atMs: completedAtMs });
    if (aborted) return { exitCode: -1, output: "command aborted by user", durationMs: 0 };
    if (failure !== undefined) return { exitCode: -1, output: failure, durationMs: 0 };
    return { exitCode, output, durationMs };
  };
}

/**
 * The user message the model sees afterwards (Codex's `user_shell_command_record_item`), its
 * output cut to the same budget as a tool's.
 */
export function userShellRecord(command: string, result: UserShellResult): string {
  return [
    "<user_shell_command>",
    "<command>",
    command,
    "</command>",
    "<result>",
    `Exit code: ${result.exitCode}`,
    `Duration: ${(result.durationMs / 1000).toFixed(4)} seconds`,
    "Output:",
    truncateMiddle(result.output, DEFAULT_MAX_OUTPUT_TOKENS).text,
    "</result>",
    "</user_shell_command>",
  ].join("\n");
}
