import type { ThreadItem } from "../../protocol/index.js";
import { commandApprovalNeed, gateToolCall } from "../approvals/index.js";
import type { ToolInvocation } from "./router.js";

/** The command a shell tool is about to run, as its approval and its item show it. */
export interface PendingCommand {
  /** The line clients display (the whole argv, quoted). */
  commandLine: string;
  /** The script the shell runs: what known-safe detection reads. */
  script: string;
  cwd: string;
  source: "agent" | "unifiedExecStartup";
}

/**
 * The approval step of a shell tool call. Resolves to undefined when the command may run, or to
 * the model-visible output of a command that did not: declined by the client, or refused by the
 * policy. Either way the client sees the `commandExecution` item end `declined`.
 */
export async function approveCommand(cmd: PendingCommand, inv: ToolInvocation): Promise<string | undefined> {
  const { ctx, call } = inv;
  const need = commandApprovalNeed(
    ctx.approvalPolicy,
    ctx.sandbox,
    cmd.script,
    ctx.approvals.isApprovedForSession(cmd.commandLine),
  );
  const commandActions = [{ type: "unknown" as const, command: cmd.script }];
  const outcome = await gateToolCall(
    call,
    ctx,
    need,
    { kind: "commandExecution", itemId: call.callId, command: cmd.commandLine, cwd: cmd.cwd, commandActions },
    [cmd.commandLine],
  );
  if (outcome.type === "run") return undefined;
  const now = Date.now();
  const item: ThreadItem = {
    type: "commandExecution",
    id: call.callId,
    command: cmd.commandLine,
    commandActions,
    cwd: cmd.cwd,
    processId: null,
    source: cmd.source,
    status: "inProgress",
    aggregatedOutput: null,
    exitCode: null,
    durationMs: null,
    startedAtMs: now,
    completedAtMs: null,
  };
  ctx.emit({ type: "item_started", turnId: ctx.turnId, item, atMs: now });
  const done = { ...item, status: "declined" as const, completedAtMs: now };
  ctx.completeItem(done);
  ctx.emit({ type: "item_completed", turnId: ctx.turnId, item: done, atMs: now });
  return outcome.type === "declined"
    ? "exec command rejected by user"
    : `exec command rejected: ${outcome.message}`;
}
