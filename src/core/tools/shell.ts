import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import type { ExecServerClient } from "../../exec-server/index.js";
import type { ThreadItem } from "../../protocol/index.js";
import { withSpan } from "../../telemetry/index.js";
import {
  ToolCallAbortedError,
  defineTool,
  type ToolHandler,
  type ToolInvocation,
  type ToolOutput,
} from "./router.js";
import { approveCommand } from "./command-approval.js";
import { CommandOutput } from "./command-output.js";
import { truncateMiddle } from "./truncate.js";

/** Codex's default model-visible output budget for a command. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 10_000;
/** Exit code reported for a command killed by its `timeout_ms` (as `timeout(1)` does). */
export const TIMEOUT_EXIT_CODE = 124;

/** How the shell tools reach an exec-server: created on first use, shared by every thread. */
export type ExecClientProvider = () => Promise<ExecServerClient>;

const ShellCommandArgs = z.object({
  command: z.string().min(1),
  workdir: z.string().optional(),
  login: z.boolean().optional(),
  timeout_ms: z.number().int().positive().optional(),
  justification: z.string().optional(),
  sandbox_permissions: z.enum(["use_default", "require_escalated"]).optional(),
  prefix_rule: z.array(z.string()).optional(),
});
type ShellCommandArgs = z.infer<typeof ShellCommandArgs>;

/** The shell a command line runs in: `$SHELL` when it is an absolute path that exists, else bash, else sh. */
export function defaultShell(env: NodeJS.ProcessEnv = process.env): string {
  const s = env.SHELL;
  if (s && isAbsolute(s) && existsSync(s)) return s;
  return existsSync("/bin/bash") ? "/bin/bash" : "/bin/sh";
}

/** POSIX shell quoting, for the `command` string clients display. */
export function shellJoin(argv: readonly string[]): string {
  return argv
    .map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}

interface RunSpec {
  argv: string[];
  commandLine: string;
  cwd: string;
  tty: boolean;
  timeoutMs: number | undefined;
  /** `commandExecution.source`. */
  source: "agent" | "unifiedExecStartup";
  /** The rollout terminal source. */
  rolloutSource: string;
}

/** Ids of the processes this server started (`commandExecution.processId`), unique per process. */
let nextProcessId = 1000;

/** A fresh process id; numeric, since `write_stdin`'s `session_id` is this id. */
export function allocateProcessId(): string {
  return String(nextProcessId++);
}

interface RunResult {
  exitCode: number;
  output: string;
  durationMs: number;
  timedOut: boolean;
}

/**
 * Runs one command through the exec-server as a `commandExecution` item: started, output
 * deltas as they arrive, completed with the whole output, exit code and duration. The turn's
 * interrupt terminates the process group; the call then ends `ToolCallAbortedError`.
 */
async function runCommand(
  exec: ExecClientProvider,
  spec: RunSpec,
  inv: ToolInvocation,
): Promise<RunResult | { declined: string }> {
  const { ctx, call, rollout } = inv;
  const script = spec.argv[spec.argv.length - 1] ?? spec.commandLine;
  const declined = await approveCommand(
    { commandLine: spec.commandLine, script, cwd: spec.cwd, source: spec.source },
    inv,
  );
  if (declined !== undefined) return { declined };
  const client = await exec();
  const startedAtMs = Date.now();
  const processId = allocateProcessId();
  const base = {
    type: "commandExecution",
    id: call.callId,
    command: spec.commandLine,
    commandActions: [{ type: "unknown", command: script }],
    cwd: spec.cwd,
    processId,
    source: spec.source,
    startedAtMs,
  };
  const started: ThreadItem = {
    ...base,
    status: "inProgress",
    aggregatedOutput: null,
    exitCode: null,
    durationMs: null,
    completedAtMs: null,
  };
  ctx.emit({ type: "item_started", turnId: ctx.turnId, item: started, atMs: startedAtMs });
  rollout.terminalStarted({ processId, command: spec.argv, cwd: spec.cwd, source: spec.rolloutSource });

  const timeout = spec.timeoutMs !== undefined ? AbortSignal.timeout(spec.timeoutMs) : undefined;
  const signal = timeout ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal;
  const out = new CommandOutput((delta) =>
    ctx.emit({ type: "command_output_delta", turnId: ctx.turnId, itemId: call.callId, delta }),
  );
  const t0 = performance.now();
  let exitCode: number;
  let failure: unknown;
  try {
    exitCode = await withSpan(
      "unified_exec.exec_command",
      {
        "conversation.id": ctx.threadId,
        turn_id: ctx.turnId,
        call_id: call.callId,
        unified_exec_process_id: processId,
      },
      async (span) => {
        const proc = await withSpan("unified_exec.open_session", {}, () =>
          client.start({
            argv: spec.argv,
            cwd: spec.cwd,
            tty: spec.tty,
            processId,
            signal,
            onOutput: (c) => out.push(c.stream, c.bytes),
          }),
        );
        const r = await proc.wait();
        span.setAttribute(
          "outcome",
          ctx.signal.aborted ? "aborted" : timeout?.aborted ? "timed_out" : "exited",
        );
        return r.exitCode;
      },
    );
  } catch (err) {
    failure = err;
    exitCode = -1;
  }
  out.end();
  const output = out.text;
  const durationMs = Math.round(performance.now() - t0);
  const timedOut = !ctx.signal.aborted && timeout?.aborted === true;
  if (timedOut) exitCode = TIMEOUT_EXIT_CODE;
  const aborted = ctx.signal.aborted;
  const status = aborted || failure !== undefined || exitCode !== 0 ? "failed" : "completed";
  const completedAtMs = Date.now();
  const done: ThreadItem = {
    ...base,
    status,
    aggregatedOutput: output,
    exitCode: aborted || failure !== undefined ? null : exitCode,
    durationMs,
    completedAtMs,
  };
  ctx.completeItem(done);
  ctx.emit({ type: "item_completed", turnId: ctx.turnId, item: done, atMs: completedAtMs });
  rollout.terminalEnded({
    processId,
    exitCode,
    aggregatedOutput: output,
    durationMs,
    status: aborted ? "cancelled" : status,
  });
  if (aborted) throw new ToolCallAbortedError("turn interrupted");
  if (failure !== undefined) throw failure;
  return { exitCode, output, durationMs, timedOut };
}

function workdirOf(cwd: string, workdir: string | undefined): string {
  return workdir ? resolve(cwd, workdir) : cwd;
}

/** `shell_command`: one command line in the user's shell, Codex's freeform output format. */
export function shellCommandTool(
  exec: ExecClientProvider,
  shell: () => string = defaultShell,
): ToolHandler<unknown> {
  return defineTool<ShellCommandArgs>({
    spec: {
      type: "function",
      name: "shell_command",
      description: "Runs a shell command and returns its output.",
      strict: false,
      parameters: {
        type: "object",
        properties: {
          command: { type: "string", description: "The shell script to execute in the user's default shell" },
          workdir: { type: "string", description: "The working directory to execute the command in" },
          login: {
            type: "boolean",
            description: "Whether to run the shell with login shell semantics. Defaults to true.",
          },
          timeout_ms: { type: "number", description: "The timeout for the command in milliseconds" },
        },
        required: ["command"],
        additionalProperties: false,
      },
    },
    args: ShellCommandArgs,
    parallelSafe: true,
    kind: { type: "exec_command" },
    async handle(args, inv): Promise<ToolOutput> {
      const argv = [shell(), args.login === false ? "-c" : "-lc", args.command];
      const r = await runCommand(
        exec,
        {
          argv,
          commandLine: shellJoin(argv),
          cwd: workdirOf(inv.ctx.cwd, args.workdir),
          tty: false,
          timeoutMs: args.timeout_ms,
          source: "agent",
          rolloutSource: "agent",
        },
        inv,
      );
      if ("declined" in r) return { output: r.declined, success: false };
      const t = truncateMiddle(r.output, DEFAULT_MAX_OUTPUT_TOKENS);
      const lines = [
        `Exit code: ${r.exitCode}`,
        `Wall time: ${(r.durationMs / 1000).toFixed(1)} seconds`,
        ...(t.truncated ? [`Total output lines: ${r.output.split("\n").length}`] : []),
        "Output:",
        r.timedOut ? `command timed out after ${args.timeout_ms} milliseconds\n${t.text}` : t.text,
      ];
      return { output: lines.join("\n"), success: r.exitCode === 0 };
    },
  });
}
