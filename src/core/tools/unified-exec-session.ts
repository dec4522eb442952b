import { performance } from "node:perf_hooks";
import { StringDecoder } from "node:string_decoder";
import type { ExecProcess, ExecServerClient, OutputChunk } from "../../exec-server/index.js";
import type { ThreadItem } from "../../protocol/index.js";
import type { ToolCallRecorder } from "../../rollout-trace/index.js";
import type { ToolContext } from "../tools.js";
import { TIMEOUT_EXIT_CODE } from "./shell.js";
import { HeadTailText, PendingText } from "./unified-exec-output.js";

/** Output a session retains, unseen by the model and as its transcript (Codex: 1 MiB each). */
export const UNIFIED_EXEC_OUTPUT_MAX_CHARS = 1024 * 1024;
/** Once the process has exited, how long a read still waits for its last output (Codex: 50 ms). */
const POST_EXIT_CLOSE_WAIT_MS = 50;

/** Environment Codex forces on every unified exec child, so output is plain and pager-free. */
export const UNIFIED_EXEC_ENV: Readonly<Record<string, string>> = {
  NO_COLOR: "1",
  TERM: "dumb",
  LANG: "C.UTF-8",
  LC_CTYPE: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  COLORTERM: "",
  PAGER: "cat",
  GIT_PAGER: "cat",
  GH_PAGER: "cat",
  CODEX_CI: "1",
};

/** What a session is started with: its command, its item, and the call and turn that own it. */
export interface SessionStart {
  processId: string;
  argv: string[];
  commandLine: string;
  script: string;
  cwd: string;
  tty: boolean;
  timeoutMs: number | undefined;
  /** The `exec_command` call that started it (its item id). */
  callId: string;
  ctx: ToolContext;
  /** The `exec_command` call's rollout; the session's terminal end is recorded on it. */
  rollout: ToolCallRecorder;
}

/** Why this side ended the process, if it did. */
type Ending = "interrupted" | "timed_out" | "cancelled";

/**
 * One unified exec process and what it has said: output the model has not seen (drained by each
 * `collect`), the bounded transcript, and its `commandExecution` item, which completes when the
 * process closes — maybe turns after the call that started it. Events go through the turn that
 * last touched the session, since a finished turn's context drops what it is given.
 */
export class UnifiedExecSession {
  lastUsed = performance.now();
  private proc: ExecProcess | undefined;
  private readonly pending = new PendingText(UNIFIED_EXEC_OUTPUT_MAX_CHARS);
  private transcript: HeadTailText | undefined = new HeadTailText(UNIFIED_EXEC_OUTPUT_MAX_CHARS);
  private readonly decoders = {
    stdout: new StringDecoder("utf8"),
    stderr: new StringDecoder("utf8"),
    pty: new StringDecoder("utf8"),
  };
  private reporter: ToolContext;
  private exitCode: number | undefined;
  private closed = false;
  private ending: Ending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly wakers = new Set<() => void>();
  private readonly startedAt = performance.now();
  private readonly startedAtMs = Date.now();
  private readonly item: Omit<
    Extract<ThreadItem, { type: "commandExecution" }>,
    "status" | "aggregatedOutput" | "exitCode" | "durationMs" | "completedAtMs"
  >;
  private closedSignal!: () => void;
  /** Resolves once the process has closed and its item completed. */
  readonly done = new Promise<void>((resolve) => (this.closedSignal = resolve));

  constructor(readonly start: SessionStart) {
    this.reporter = start.ctx;
    this.item = {
      type: "commandExecution",
      id: start.callId,
      command: start.commandLine,
      commandActions: [{ type: "unknown", command: start.script }],
      cwd: start.cwd,
      processId: start.processId,
      source: "unifiedExecStartup",
      startedAtMs: this.startedAtMs,
    };
  }

  get processId(): string {
    return this.start.processId;
  }

  get threadId(): string {
    return this.start.ctx.threadId;
  }

  /** Exited, as Codex's `has_exited() || exit_code.is_some()`: its last output may still be in flight. */
  get exited(): boolean {
    return this.exitCode !== undefined || this.closed;
  }

  get timedOut(): boolean {
    return this.ending === "timed_out";
  }

  /** The exit code the model is told. */
  get reportedExitCode(): number {
    if (this.timedOut) return TIMEOUT_EXIT_CODE;
    return this.exitCode ?? -1;
  }

  /** Announces the item and starts the process; a start that fails completes the item `failed`. */
  async open(client: ExecServerClient): Promise<void> {
    const { ctx, processId, argv, cwd, rollout } = this.start;
    const started: ThreadItem = {
      ...this.item,
      status: "inProgress",
      aggregatedOutput: null,
      exitCode: null,
      durationMs: null,
      completedAtMs: null,
    };
    ctx.emit({ type: "item_started", turnId: ctx.turnId, item: started, atMs: this.startedAtMs });
    rollout.terminalStarted({ processId, command: argv, cwd, source: "unified_exec_startup" });
    try {
      this.proc = await client.start({
        argv,
        cwd,
        tty: this.start.tty,
        processId,
        envPolicy: { inherit: "all", ignoreDefaultExcludes: false, exclude: [], set: {}, includeOnly: [] },
        env: { ...UNIFIED_EXEC_ENV },
        onOutput: (c) => this.onChunk(c),
      });
    } catch (err) {
      this.finish(true);
      throw err;
    }
    const proc = this.proc;
    proc.exited.then(
      (code) => {
        this.exitCode = code;
        this.wake();
      },
      () => {},
    );
    proc.wait().then(
      () => this.finish(false),
      () => this.finish(true),
    );
    if (this.start.timeoutMs !== undefined) {
      this.timer = setTimeout(() => this.terminate("timed_out"), this.start.timeoutMs);
      this.timer.unref();
    }
  }

  /** Later events of this session go through `ctx`'s turn (a `write_stdin` in a later turn). */
  touch(ctx: ToolContext): void {
    this.lastUsed = performance.now();
    if (ctx.turnId !== this.reporter.turnId) this.reporter = ctx;
  }

  /**
   * Waits until `deadline` (a `performance.now()` time), the process closing, or `signal`, and
   * returns the output the model had not seen. After the exit it waits at most 50 ms more for
   * the process's last output.
   */
  async collect(deadline: number, signal: AbortSignal): Promise<string> {
    let out = "";
    let exitSeenAt: number | undefined;
    for (;;) {
      out += this.pending.drain();
      if (this.closed || signal.aborted) return out;
      const now = performance.now();
      let until = deadline;
      if (this.exitCode !== undefined) {
        exitSeenAt ??= now;
        until = Math.min(deadline, exitSeenAt + POST_EXIT_CLOSE_WAIT_MS);
      }
      if (now >= until) return out;
      await this.changed(until - now, signal);
    }
  }

  /** Writes to the process's stdin; false when it was not taken. */
  async write(chars: string): Promise<boolean> {
    const status = await this.proc?.write(chars);
    return status === "accepted";
  }

  /** SIGINT to the process group: all a pipe session takes as input (Codex lets Ctrl-C through). */
  async interrupt(): Promise<void> {
    await this.proc?.interrupt();
  }

  /** Ends the process (SIGTERM, then SIGKILL); its item completes `failed` once it closes. */
  terminate(why: Ending): void {
    if (this.closed) return;
    this.ending ??= why;
    this.proc?.terminate().catch(() => undefined);
  }

  private onChunk(c: OutputChunk): void {
    this.onText(this.decoders[c.stream].write(c.bytes));
  }

  private onText(text: string): void {
    if (text === "") return;
    this.pending.push(text);
    this.transcript?.push(text);
    this.reporter.emit({
      type: "command_output_delta",
      turnId: this.start.ctx.turnId,
      itemId: this.start.callId,
      delta: text,
    });
  }

  /** Runs once, when the process has closed (or failed to start, or its exec-server went away). */
  private finish(failed: boolean): void {
    if (this.closed) return;
    for (const d of Object.values(this.decoders)) this.onText(d.end());
    this.closed = true;
    clearTimeout(this.timer);
    const durationMs = Math.round(performance.now() - this.startedAt);
    const exitCode = failed ? -1 : this.reportedExitCode;
    const killed = this.ending === "interrupted" || this.ending === "cancelled";
    const status = killed || failed || exitCode !== 0 ? "failed" : "completed";
    const aggregatedOutput = this.transcript?.text() ?? "";
    this.transcript = undefined;
    const completedAtMs = Date.now();
    const done: ThreadItem = {
      ...this.item,
      status,
      aggregatedOutput,
      exitCode: killed || failed ? null : exitCode,
      durationMs,
      completedAtMs,
    };
    const origin = this.start.ctx;
    // The item belongs to the turn that started it; only that turn records it.
    if (this.reporter === origin) origin.completeItem(done);
    this.reporter.emit({ type: "item_completed", turnId: origin.turnId, item: done, atMs: completedAtMs });
    this.start.rollout.terminalEnded({
      processId: this.processId,
      exitCode,
      aggregatedOutput,
      durationMs,
      status: killed ? "cancelled" : status,
    });
    this.wake();
    this.closedSignal();
  }

  private changed(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.wakers.add(done);
    });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
