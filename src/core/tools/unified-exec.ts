import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { withSpan } from "../../telemetry/index.js";
import { approveCommand } from "./command-approval.js";
import { ToolCallAbortedError, defineTool, type ToolHandler, type ToolOutput } from "./router.js";
import {
  DEFAULT_MAX_OUTPUT_TOKENS,
  allocateProcessId,
  defaultShell,
  shellJoin,
  type ExecClientProvider,
} from "./shell.js";
import { truncateMiddle } from "./truncate.js";
import { UnifiedExecSession } from "./unified-exec-session.js";
import { UnifiedExecSessions, execYieldTime, writeStdinYieldTime } from "./unified-exec-sessions.js";

/** Ctrl-C: the one input Codex passes to a session without a tty (as SIGINT). */
const CTRL_C = "\u0003";
/** After a write, how long the process gets to react before the wait for output starts. */
const WRITE_SETTLE_MS = 100;
const STDIN_CLOSED =
  "write_stdin failed: stdin is closed for this session; rerun exec_command with tty=true to keep stdin open";

const ExecCommandArgs = z.object({
  cmd: z.string().min(1),
  workdir: z.string().optional(),
  shell: z.string().optional(),
  login: z.boolean().optional(),
  tty: z.boolean().optional(),
  yield_time_ms: z.number().nonnegative().optional(),
  max_output_tokens: z.number().int().positive().optional(),
  timeout_ms: z.number().int().positive().optional(),
  justification: z.string().optional(),
  sandbox_permissions: z.enum(["use_default", "require_escalated"]).optional(),
  prefix_rule: z.array(z.string()).optional(),
});
type ExecCommandArgs = z.infer<typeof ExecCommandArgs>;

const WriteStdinArgs = z.object({
  // The model is trained on `session_id`; it is the process id the exec answer named.
  session_id: z.number().int(),
  chars: z.string().default(""),
  yield_time_ms: z.number().nonnegative().optional(),
  max_output_tokens: z.number().int().positive().optional(),
});
type WriteStdinArgs = z.infer<typeof WriteStdinArgs>;

/** What one `exec_command` or `write_stdin` answer says (Codex's `format_response`). */
interface UnifiedExecAnswer {
  wallTimeMs: number;
  output: string;
  maxOutputTokens: number | undefined;
  /** Set once the process has exited. */
  exit?: { code: number; timedOutAfterMs?: number };
  /** Set while it runs. */
  sessionId?: string;
}

function formatAnswer(a: UnifiedExecAnswer): ToolOutput {
  const t = truncateMiddle(a.output, a.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS);
  const lines = [
    `Chunk ID: ${randomBytes(3).toString("hex")}`,
    `Wall time: ${(a.wallTimeMs / 1000).toFixed(4)} seconds`,
  ];
  if (a.exit) {
    lines.push(
      a.exit.timedOutAfterMs !== undefined
        ? `Process timed out after ${a.exit.timedOutAfterMs} ms`
        : `Process exited with code ${a.exit.code}`,
    );
  }
  // Codex's models are trained on "session ID".
  if (a.sessionId !== undefined) lines.push(`Process running with session ID ${a.sessionId}`);
  lines.push(`Original token count: ${t.originalTokens}`, "Output:", t.text);
  return { output: lines.join("\n"), success: a.exit ? a.exit.code === 0 : true };
}

/**
 * `exec_command` and `write_stdin`, Codex's unified exec: a command runs until it exits or its
 * `yield_time_ms` passes; one still running stays in the thread's sessions and the model is
 * given its session id, which `write_stdin` writes to or polls. The turn's interrupt kills a
 * command only while its `exec_command` call still waits; a session the model was told is
 * running lives on (as in Codex) until it exits, is pruned, or its thread ends.
 */
export function unifiedExecTools(
  exec: ExecClientProvider,
  shell: () => string = defaultShell,
  sessions: UnifiedExecSessions = new UnifiedExecSessions(),
): { execCommand: ToolHandler<unknown>; writeStdin: ToolHandler<unknown> } {
  const writeStdin = writeStdinTool(sessions);
  const execCommand = defineTool<ExecCommandArgs>({
    spec: {
      type: "function",
      name: "exec_command",
      description: "Runs a command in a PTY, returning output or a session ID for ongoing interaction.",
      strict: false,
      parameters: {
        type: "object",
        properties: {
          cmd: { type: "string", description: "Shell command to execute." },
          workdir: {
            type: "string",
            description: "Working directory for the command. Defaults to the turn cwd.",
          },
          shell: {
            type: "string",
            description: "Shell binary to launch. Defaults to the user's default shell.",
          },
          login: {
            type: "boolean",
            description: "True runs the shell with -l/-i semantics; false disables them. Defaults to true.",
          },
          tty: {
            type: "boolean",
            description: "True allocates a PTY for the command; false or omitted uses plain pipes.",
          },
          yield_time_ms: {
            type: "number",
            description: "Wait before yielding output. Defaults to 10000 ms.",
          },
          max_output_tokens: {
            type: "number",
            description: "Output token budget. Defaults to 10000 tokens.",
          },
          timeout_ms: { type: "number", description: "Kill the command after this many milliseconds." },
        },
        required: ["cmd"],
        additionalProperties: false,
      },
    },
    args: ExecCommandArgs,
    parallelSafe: true,
    kind: { type: "exec_command" },
    companions: [writeStdin],
    threadEnded: (threadId) => sessions.endThread(threadId),
    async handle(args, inv): Promise<ToolOutput> {
      const { ctx, call } = inv;
      const argv = [args.shell ?? shell(), args.login === false ? "-c" : "-lc", args.cmd];
      const commandLine = shellJoin(argv);
      const cwd = args.workdir ? resolve(ctx.cwd, args.workdir) : ctx.cwd;
      const declined = await approveCommand(
        { commandLine, script: args.cmd, cwd, source: "unifiedExecStartup" },
        inv,
      );
      if (declined !== undefined) return { output: declined, success: false };
      const client = await exec();
      const session = new UnifiedExecSession({
        processId: allocateProcessId(),
        argv,
        commandLine,
        script: args.cmd,
        cwd,
        tty: args.tty ?? false,
        timeoutMs: args.timeout_ms,
        callId: call.callId,
        ctx,
        rollout: inv.rollout,
      });
      const yieldMs = execYieldTime(args.yield_time_ms);
      return withSpan(
        "unified_exec.exec_command",
        {
          "conversation.id": ctx.threadId,
          turn_id: ctx.turnId,
          call_id: call.callId,
          unified_exec_process_id: session.processId,
        },
        async (span) => {
          const t0 = performance.now();
          await withSpan("unified_exec.open_session", {}, () => session.open(client));
          // Until the model is told the command still runs, the turn's interrupt ends it.
          const onAbort = () => session.terminate("interrupted");
          ctx.signal.addEventListener("abort", onAbort, { once: true });
          if (ctx.signal.aborted) onAbort();
          let output: string;
          try {
            output = await session.collect(t0 + yieldMs, ctx.signal);
          } finally {
            ctx.signal.removeEventListener("abort", onAbort);
          }
          if (ctx.signal.aborted) {
            span.setAttribute("outcome", "aborted");
            await session.done;
            throw new ToolCallAbortedError("turn interrupted");
          }
          const wallTimeMs = performance.now() - t0;
          if (!session.exited) {
            sessions.store(session);
            span.setAttribute("outcome", "running");
            return formatAnswer({
              wallTimeMs,
              output,
              maxOutputTokens: args.max_output_tokens,
              sessionId: session.processId,
            });
          }
          span.setAttribute("outcome", session.timedOut ? "timed_out" : "exited");
          return formatAnswer({
            wallTimeMs,
            output,
            maxOutputTokens: args.max_output_tokens,
            exit: exitOf(session, args.timeout_ms),
          });
        },
      );
    },
  });
  return { execCommand, writeStdin };
}

function exitOf(
  session: UnifiedExecSession,
  timeoutMs: number | undefined,
): NonNullable<UnifiedExecAnswer["exit"]> {
  return session.timedOut
    ? { code: session.reportedExitCode, timedOutAfterMs: timeoutMs }
    : { code: session.reportedExitCode };
}

/** `exec_command` with its `write_stdin` companion, sharing one session store. */
export function execCommandTool(
  exec: ExecClientProvider,
  shell: () => string = defaultShell,
): ToolHandler<unknown> {
  return unifiedExecTools(exec, shell).execCommand;
}

function writeStdinTool(sessions: UnifiedExecSessions): ToolHandler<unknown> {
  return defineTool<WriteStdinArgs>({
    spec: {
      type: "function",
      name: "write_stdin",
      description: "Writes characters to an existing unified exec session and returns recent output.",
      strict: false,
      parameters: {
        type: "object",
        properties: {
          session_id: { type: "number", description: "Identifier of the running unified exec session." },
          chars: { type: "string", description: "Bytes to write to stdin (may be empty to poll)." },
          yield_time_ms: {
            type: "number",
            description: "How long to wait (in milliseconds) for output before yielding.",
          },
          max_output_tokens: {
            type: "number",
            description: "Maximum number of tokens to return. Excess output will be truncated.",
          },
        },
        required: ["session_id"],
        additionalProperties: false,
      },
    },
    args: WriteStdinArgs,
    parallelSafe: false,
    kind: { type: "write_stdin" },
    async handle(args, inv): Promise<ToolOutput> {
      const { ctx, call, rollout } = inv;
      const id = String(args.session_id);
      const session = sessions.get(ctx.threadId, id);
      if (!session) return { output: `write_stdin failed: Unknown process id ${id}`, success: false };
      const { chars } = args;
      if (chars !== "" && !session.start.tty && chars !== CTRL_C)
        return { output: STDIN_CLOSED, success: false };
      session.touch(ctx);
      rollout.stdinTargetResolved(session.start.callId);
      rollout.terminalStarted({
        processId: id,
        command: session.start.argv,
        cwd: session.start.cwd,
        source: "unified_exec_interaction",
        stdin: chars,
      });
      return withSpan(
        "unified_exec.write_stdin",
        {
          "conversation.id": ctx.threadId,
          turn_id: ctx.turnId,
          call_id: call.callId,
          unified_exec_process_id: id,
        },
        async (span) => {
          const t0 = performance.now();
          if (chars !== "") {
            const taken = session.start.tty ? await session.write(chars) : (await session.interrupt(), true);
            if (!taken) return { output: "write_stdin failed: failed to write to stdin", success: false };
            ctx.emit({
              type: "terminal_interaction",
              turnId: ctx.turnId,
              itemId: session.start.callId,
              processId: id,
              stdin: chars,
            });
            await sleep(WRITE_SETTLE_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
          }
          const deadline = performance.now() + writeStdinYieldTime(args.yield_time_ms, chars === "");
          const output = await session.collect(deadline, ctx.signal);
          if (ctx.signal.aborted) {
            span.setAttribute("outcome", "aborted");
            throw new ToolCallAbortedError("turn interrupted");
          }
          const wallTimeMs = performance.now() - t0;
          if (!session.exited) {
            span.setAttribute("outcome", "running");
            return formatAnswer({
              wallTimeMs,
              output,
              maxOutputTokens: args.max_output_tokens,
              sessionId: id,
            });
          }
          // Reported once: the session is gone, a later call with its id is unknown.
          sessions.remove(session);
          span.setAttribute("outcome", "exited");
          const exit = exitOf(session, session.start.timeoutMs);
          rollout.terminalEnded({
            processId: id,
            exitCode: exit.code,
            aggregatedOutput: output,
            durationMs: Math.round(wallTimeMs),
            status: exit.code === 0 ? "completed" : "failed",
          });
          return formatAnswer({ wallTimeMs, output, maxOutputTokens: args.max_output_tokens, exit });
        },
      );
    },
  });
}
