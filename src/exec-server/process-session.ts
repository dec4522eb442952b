import { randomUUID } from "node:crypto";
import {
  ErrorCode,
  ExecMethod,
  type ExecOutputStream,
  type ProcessReadParams,
  type ProcessReadResponse,
  type ProcessSignalParams,
  type ProcessStartParams,
  type ProcessStartResponse,
  type ProcessTerminateParams,
  type ProcessTerminateResponse,
  type ProcessWriteParams,
  type ProcessWriteResponse,
} from "../protocol/index.js";
import { JsonRpcError } from "../rpc/index.js";
import { currentSpanW3cTraceContext, logger } from "../telemetry/index.js";
import { ExecBudget } from "./budget.js";
import { signalMarked } from "./descendants.js";
import { childEnvironment } from "./env-policy.js";
import { OutputFlow } from "./output-flow.js";
import { OutputRing } from "./output-ring.js";
import {
  DEFAULT_SESSION_TUNABLES,
  DEFAULT_TOTAL_PROCESSES,
  DEFAULT_TOTAL_RETAINED_OUTPUT_BYTES,
  type ExecServerOptions,
  type SessionTunables,
} from "./process-options.js";
import { SessionLimits } from "./session-limits.js";
import { SpawnError, spawnChild, type ChildHandle } from "./spawn-child.js";
import { checkStartParams } from "./start-params.js";
import { processStarted, type ProcessTimingGuard } from "./telemetry.js";

/** The environment variable whose per-process value marks a child and all its descendants. */
export const DESCENDANT_MARKER_VAR = "SPOOL_EXEC_PROCESS_TAG";

/** What the session needs from its connection. */
export interface SessionOutlet {
  notify(method: string, params: unknown): void;
  /** Notification bytes not yet passed to the peer. */
  bufferedBytes(): number;
}

interface ManagedProcess {
  readonly id: string;
  child: ChildHandle | undefined;
  readonly ring: OutputRing;
  readonly tty: boolean;
  readonly pipeStdin: boolean;
  nextSeq: number;
  exitCode: number | null;
  closed: boolean;
  openStreams: number;
  terminateRequested: boolean;
  guard: ProcessTimingGuard | undefined;
  readonly wakers: Set<() => void>;
  killTimer: NodeJS.Timeout | undefined;
  /** `NAME=value\0`: the child's environment entry; finds descendants that escaped its group. */
  readonly marker: string;
  /** Holds a process slot (per connection and server-wide) until it exits. */
  holdsSlot: boolean;
}

const log = logger("spool_exec_server::process");

/**
 * The processes of one exec-server connection: start, read, write, signal, terminate, and the
 * notifications that stream their output. Everything it started dies with it (`shutdown`).
 */
export class ProcessSession {
  private readonly processes = new Map<string, ManagedProcess>();
  private readonly options: SessionTunables;
  private readonly limits: SessionLimits;
  private readonly flow: OutputFlow;
  /** Prefix of every child's tag entry: `NAME=<session>:`. */
  private readonly sessionMarker = `${DESCENDANT_MARKER_VAR}=${randomUUID()}:`;
  private shutDown = false;

  constructor(
    private readonly outlet: SessionOutlet,
    options: ExecServerOptions = {},
  ) {
    const { budget, ...rest } = options;
    this.options = { ...DEFAULT_SESSION_TUNABLES, ...rest };
    this.limits = new SessionLimits(
      this.options.maxProcesses,
      this.options.maxRetainedOutputBytes,
      budget ?? new ExecBudget(DEFAULT_TOTAL_PROCESSES, DEFAULT_TOTAL_RETAINED_OUTPUT_BYTES),
    );
    this.flow = new OutputFlow(this.options.outputHighWaterBytes, {
      bufferedBytes: () => this.outlet.bufferedBytes(),
      setOutputPaused: (paused) => {
        for (const p of this.processes.values()) {
          if (paused) p.child?.pauseOutput();
          else p.child?.resumeOutput();
        }
      },
    });
  }

  /** `process/start`. Runs inside the request span, whose carrier the child inherits. */
  async start(params: ProcessStartParams): Promise<ProcessStartResponse> {
    const cwd = checkStartParams(params);
    if (this.shutDown) throw JsonRpcError.invalidRequest("connection is closing");
    if (this.processes.has(params.processId)) {
      throw JsonRpcError.invalidParams(`process ${params.processId} already exists`);
    }
    this.limits.acquireProcess();
    const proc: ManagedProcess = {
      id: params.processId,
      child: undefined,
      ring: new OutputRing(this.options.retainedOutputBytes),
      tty: params.tty,
      pipeStdin: params.pipeStdin ?? false,
      nextSeq: 1,
      exitCode: null,
      closed: false,
      openStreams: 0,
      terminateRequested: false,
      guard: undefined,
      wakers: new Set(),
      killTimer: undefined,
      marker: `${this.sessionMarker}${randomUUID()}\0`,
      holdsSlot: true,
    };
    this.processes.set(proc.id, proc);

    const env = childEnvironment(params.env, params.envPolicy);
    const carrier = currentSpanW3cTraceContext();
    if (carrier?.traceparent) {
      env.TRACEPARENT = carrier.traceparent;
      if (carrier.tracestate) env.TRACESTATE = carrier.tracestate;
      else delete env.TRACESTATE;
    }
    env[DESCENDANT_MARKER_VAR] = proc.marker.slice(DESCENDANT_MARKER_VAR.length + 1, -1);
    // Timed from here, so the duration covers the whole start; a start that fails is no process
    // and gets no process event (its request event says error).
    const guard = processStarted(proc.id);
    try {
      proc.child = await spawnChild(
        { argv: params.argv, cwd, env, tty: proc.tty, pipeStdin: proc.pipeStdin, arg0: params.arg0 },
        {
          output: (stream, bytes) => this.onOutput(proc, stream, bytes),
          streamEnded: () => {
            proc.openStreams--;
            this.maybeClosed(proc);
          },
          exited: (code) => this.onExited(proc, code),
        },
      );
    } catch (err) {
      this.processes.delete(proc.id);
      this.releaseSlot(proc);
      if (err instanceof SpawnError) throw JsonRpcError.internal(err.message);
      throw err;
    }
    proc.openStreams += proc.child.streamCount;
    proc.guard = guard;
    if (this.shutDown) this.kill(proc);
    if (this.flow.paused) proc.child.pauseOutput();
    return { processId: proc.id };
  }

  /** `process/read`: retained output after `afterSeq`, long-polling up to `waitMs`. */
  async read(params: ProcessReadParams): Promise<ProcessReadResponse> {
    const afterSeq = params.afterSeq ?? 0;
    const maxBytes = params.maxBytes ?? Number.MAX_SAFE_INTEGER;
    // Clamped: a huge waitMs would overflow setTimeout into a 1 ms busy loop.
    const deadline = Date.now() + Math.min(params.waitMs ?? 0, this.options.maxWaitMs);
    for (;;) {
      const proc = this.processes.get(params.processId);
      if (!proc) throw JsonRpcError.invalidRequest(`unknown process id ${params.processId}`);
      if (!proc.child) throw JsonRpcError.invalidRequest(`process id ${params.processId} is starting`);
      const { chunks, droppedBytes } = proc.ring.read(afterSeq, maxBytes);
      const response: ProcessReadResponse = {
        chunks: chunks.map((c) => ({ seq: c.seq, stream: c.stream, chunk: c.bytes.toString("base64") })),
        nextSeq: chunks.length > 0 ? chunks[chunks.length - 1]!.seq + 1 : proc.nextSeq,
        exited: proc.exitCode !== null,
        exitCode: proc.exitCode,
        closed: proc.closed,
        failure: null,
        sandboxDenied: false,
        droppedBytes,
      };
      const newTerminalEvent = response.exited && afterSeq < response.nextSeq - 1;
      const remaining = deadline - Date.now();
      if (chunks.length > 0 || response.closed || newTerminalEvent || remaining <= 0 || this.shutDown) {
        return response;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining);
        function done() {
          clearTimeout(timer);
          proc!.wakers.delete(done);
          resolve();
        }
        proc.wakers.add(done);
      });
    }
  }

  /**
   * `process/write`. A write to an unknown process, or to one started without stdin (no
   * `pipeStdin`, no tty), is a caller error and gets a JSON-RPC error, as spec §9 and the issue
   * say; the statuses report the transient states (still starting, stdin since closed).
   */
  async write(params: ProcessWriteParams): Promise<ProcessWriteResponse> {
    const proc = this.processes.get(params.processId);
    if (!proc) throw JsonRpcError.invalidRequest(`unknown process id ${params.processId}`);
    if (!proc.child) return { status: "starting" };
    if (!proc.child.acceptsInput) {
      throw JsonRpcError.invalidRequest(
        `process ${params.processId} has no stdin: start it with pipeStdin: true or tty: true`,
      );
    }
    if (proc.exitCode !== null) return { status: "stdinClosed" };
    const bytes = Buffer.from(params.chunk, "base64");
    const pending = proc.child.pendingInputBytes();
    if (pending + bytes.length > this.options.maxPendingStdinBytes) {
      throw new JsonRpcError(
        ErrorCode.ServerOverloaded,
        `stdin of process ${params.processId} has ${pending} bytes not yet read by the process (max ${this.options.maxPendingStdinBytes}); retry once it reads`,
      );
    }
    // Answered once queued, not once the child reads it: a child that never reads must not
    // hold the answer (and the client) until it is terminated.
    void proc.child.write(bytes);
    return { status: "accepted" };
  }

  /** `process/signal`: `interrupt` is SIGINT to the process group. */
  signal(params: ProcessSignalParams): Record<string, never> {
    const proc = this.processes.get(params.processId);
    if (!proc) throw JsonRpcError.invalidRequest(`unknown process id ${params.processId}`);
    if (!proc.child) throw JsonRpcError.invalidRequest(`process id ${params.processId} is starting`);
    if (proc.exitCode === null) proc.child.signalGroup("SIGINT");
    return {};
  }

  /** `process/terminate`: SIGTERM to the group now, SIGKILL after the grace period. */
  terminate(params: ProcessTerminateParams): ProcessTerminateResponse {
    const proc = this.processes.get(params.processId);
    if (!proc || !proc.child || proc.exitCode !== null) return { running: false };
    this.kill(proc);
    return { running: true };
  }

  /** Kills every process this session started (and their groups); called when the connection closes. */
  shutdown(): void {
    if (this.shutDown) return;
    this.shutDown = true;
    this.flow.stop();
    for (const proc of this.processes.values()) {
      if (proc.child && !proc.closed) this.kill(proc);
      this.wake(proc);
    }
    // Descendants that left their group (setsid) and outlived it, even of processes already
    // closed or forgotten, carry the session's tag.
    if (signalMarked(this.sessionMarker, "SIGTERM") > 0) {
      setTimeout(() => signalMarked(this.sessionMarker, "SIGKILL"), this.options.terminateGraceMs);
    }
  }

  /**
   * Resolves once every process this session started has exited and closed, or after
   * `timeoutMs`; lets a stopping server wait for the SIGKILL backstop before it exits.
   */
  async idle(timeoutMs = this.options.terminateGraceMs + 1000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const busy = () => [...this.processes.values()].some((p) => p.child !== undefined && !p.closed);
    while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** What this session holds in memory for output: retained ring bytes and unsent notification bytes. */
  memoryStats(): { retainedOutputBytes: number; bufferedNotificationBytes: number } {
    let retained = 0;
    for (const p of this.processes.values()) retained += p.ring.bytes;
    return { retainedOutputBytes: retained, bufferedNotificationBytes: this.outlet.bufferedBytes() };
  }

  private kill(proc: ManagedProcess): void {
    const child = proc.child!;
    if (proc.exitCode === null) proc.terminateRequested = true;
    if (proc.killTimer) return;
    child.resumeOutput();
    child.signalGroup("SIGTERM");
    signalMarked(proc.marker, "SIGTERM");
    proc.killTimer = setTimeout(() => {
      const escaped = signalMarked(proc.marker, "SIGKILL");
      if (child.signalGroup("SIGKILL") || escaped > 0) {
        log.debug("process group ignored SIGTERM; killed", { process_id: proc.id, pid: child.pid });
      }
    }, this.options.terminateGraceMs);
  }

  private onOutput(proc: ManagedProcess, stream: ExecOutputStream, bytes: Buffer): void {
    const seq = proc.nextSeq++;
    const before = proc.ring.bytes;
    proc.ring.push({ seq, stream, bytes });
    this.limits.retainedChanged(proc.ring.bytes - before);
    this.limits.enforceRetained(this.processes);
    this.wake(proc);
    this.outlet.notify(ExecMethod.ProcessOutput, {
      processId: proc.id,
      seq,
      stream,
      chunk: bytes.toString("base64"),
    });
    this.flow.sent();
  }

  private releaseSlot(proc: ManagedProcess): void {
    if (!proc.holdsSlot) return;
    proc.holdsSlot = false;
    this.limits.releaseProcess();
  }

  private forget(proc: ManagedProcess): void {
    if (this.processes.get(proc.id) !== proc) return;
    this.processes.delete(proc.id);
    this.limits.retainedChanged(-proc.ring.bytes);
  }

  private onExited(proc: ManagedProcess, exitCode: number): void {
    this.releaseSlot(proc);
    proc.exitCode = exitCode;
    const seq = proc.nextSeq++;
    proc.guard?.finish(proc.terminateRequested ? "terminated" : exitCode === 0 ? "success" : "failed");
    this.wake(proc);
    this.outlet.notify(ExecMethod.ProcessExited, { processId: proc.id, seq, exitCode });
    this.maybeClosed(proc);
  }

  private maybeClosed(proc: ManagedProcess): void {
    if (proc.closed || proc.openStreams > 0 || proc.exitCode === null) return;
    proc.closed = true;
    const seq = proc.nextSeq++;
    this.wake(proc);
    this.outlet.notify(ExecMethod.ProcessClosed, { processId: proc.id, seq });
    // Nothing of the group is left holding the output open; the SIGKILL backstop can go, unless a
    // descendant left the group (setsid) and still runs.
    if (proc.killTimer && !proc.child!.signalGroup(0) && signalMarked(proc.marker, "SIGTERM") === 0) {
      clearTimeout(proc.killTimer);
    }
    setTimeout(() => this.forget(proc), this.options.closedProcessRetentionMs).unref();
  }

  private wake(proc: ManagedProcess): void {
    for (const w of [...proc.wakers]) w();
  }
}
