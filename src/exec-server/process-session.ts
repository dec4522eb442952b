import { isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import {
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
import { childEnvironment } from "./env-policy.js";
import { OutputRing } from "./output-ring.js";
import { SpawnError, spawnChild, type ChildHandle } from "./spawn-child.js";
import { processStarted, type ProcessTimingGuard } from "./telemetry.js";

/** Tunables of the process service; every field has a default. */
export interface ExecServerOptions {
  /** Output bytes retained per process for `process/read` (default 4 MiB). */
  retainedOutputBytes?: number;
  /** Time between SIGTERM and SIGKILL when terminating (default 2000 ms). */
  terminateGraceMs?: number;
  /** How long a closed process stays readable before it is forgotten (default 30 s). */
  closedProcessRetentionMs?: number;
  /** Unsent notification bytes above which process output is paused (default 1 MiB). */
  outputHighWaterBytes?: number;
}

const DEFAULTS: Required<ExecServerOptions> = {
  retainedOutputBytes: 4 * 1024 * 1024,
  terminateGraceMs: 2000,
  closedProcessRetentionMs: 30_000,
  outputHighWaterBytes: 1024 * 1024,
};

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
}

const log = logger("spool_exec_server::process");

function cwdFromUri(uri: string): string {
  let path: string;
  try {
    const url = new URL(uri);
    if (url.protocol !== "file:") throw new Error("not a file URI");
    path = fileURLToPath(url);
  } catch {
    throw JsonRpcError.invalidParams(`cwd must be an absolute file:// URI, got ${JSON.stringify(uri)}`);
  }
  if (!isAbsolute(path)) {
    throw JsonRpcError.invalidParams(`cwd must be an absolute file:// URI, got ${JSON.stringify(uri)}`);
  }
  return path;
}

function unsupportedFields(params: ProcessStartParams): string[] {
  const out: string[] = [];
  if (params.sandbox !== undefined && params.sandbox !== null) out.push("sandbox");
  if (params.enforceManagedNetwork === true) out.push("enforceManagedNetwork");
  if (params.managedNetwork !== undefined && params.managedNetwork !== null) out.push("managedNetwork");
  return out;
}

/**
 * The processes of one exec-server connection: start, read, write, signal, terminate, and the
 * notifications that stream their output. Everything it started dies with it (`shutdown`).
 */
export class ProcessSession {
  private readonly processes = new Map<string, ManagedProcess>();
  private readonly options: Required<ExecServerOptions>;
  private paused = false;
  private resumeTimer: NodeJS.Timeout | undefined;
  private shutDown = false;

  constructor(
    private readonly outlet: SessionOutlet,
    options: ExecServerOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** `process/start`. Runs inside the request span, whose carrier the child inherits. */
  async start(params: ProcessStartParams): Promise<ProcessStartResponse> {
    if (params.argv.length === 0) throw JsonRpcError.invalidParams("argv must not be empty");
    const cwd = cwdFromUri(params.cwd);
    const unsupported = unsupportedFields(params);
    if (unsupported.length > 0) {
      throw JsonRpcError.invalidParams(
        `unsupported by the Spool exec-server: ${unsupported.join(", ")} (no sandbox or managed network is enforced; refusing to run unconfined)`,
      );
    }
    if (params.tty && params.arg0 !== null) {
      throw JsonRpcError.invalidParams("arg0 is not supported with tty: true");
    }
    if (this.shutDown) throw JsonRpcError.invalidRequest("connection is closing");
    if (this.processes.has(params.processId)) {
      throw JsonRpcError.invalidParams(`process ${params.processId} already exists`);
    }
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
    };
    this.processes.set(proc.id, proc);

    const env = childEnvironment(params.env, params.envPolicy);
    const carrier = currentSpanW3cTraceContext();
    if (carrier?.traceparent) {
      env.TRACEPARENT = carrier.traceparent;
      if (carrier.tracestate) env.TRACESTATE = carrier.tracestate;
      else delete env.TRACESTATE;
    }
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
      if (err instanceof SpawnError) throw JsonRpcError.internal(err.message);
      throw err;
    }
    proc.openStreams += proc.child.streamCount;
    proc.guard = guard;
    if (this.shutDown) this.kill(proc);
    if (this.paused) proc.child.pauseOutput();
    return { processId: proc.id };
  }

  /** `process/read`: retained output after `afterSeq`, long-polling up to `waitMs`. */
  async read(params: ProcessReadParams): Promise<ProcessReadResponse> {
    const afterSeq = params.afterSeq ?? 0;
    const maxBytes = params.maxBytes ?? Number.MAX_SAFE_INTEGER;
    const deadline = Date.now() + (params.waitMs ?? 0);
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
    await proc.child.write(Buffer.from(params.chunk, "base64"));
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
    clearTimeout(this.resumeTimer);
    for (const proc of this.processes.values()) {
      if (proc.child && !proc.closed) this.kill(proc);
      this.wake(proc);
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
    proc.killTimer = setTimeout(() => {
      if (child.signalGroup("SIGKILL")) {
        log.debug("process group ignored SIGTERM; killed", { process_id: proc.id, pid: child.pid });
      }
    }, this.options.terminateGraceMs);
  }

  private onOutput(proc: ManagedProcess, stream: ExecOutputStream, bytes: Buffer): void {
    const seq = proc.nextSeq++;
    proc.ring.push({ seq, stream, bytes });
    this.wake(proc);
    this.outlet.notify(ExecMethod.ProcessOutput, {
      processId: proc.id,
      seq,
      stream,
      chunk: bytes.toString("base64"),
    });
    if (!this.paused && this.outlet.bufferedBytes() > this.options.outputHighWaterBytes) this.pause();
  }

  private pause(): void {
    this.paused = true;
    for (const p of this.processes.values()) p.child?.pauseOutput();
    this.scheduleResumeCheck(0);
  }

  // The transport has no drain event, so it is polled while output is paused: first on the next
  // loop turns (an in-process peer drains there), then every millisecond (a socket drains at the
  // network's pace) without spinning a core.
  private scheduleResumeCheck(attempt: number): void {
    const check = () => {
      this.resumeTimer = undefined;
      if (this.shutDown) return;
      if (this.outlet.bufferedBytes() > this.options.outputHighWaterBytes / 4) {
        this.scheduleResumeCheck(attempt + 1);
        return;
      }
      this.paused = false;
      for (const p of this.processes.values()) p.child?.resumeOutput();
    };
    if (attempt < 4) setImmediate(check);
    else this.resumeTimer = setTimeout(check, 1);
  }

  private onExited(proc: ManagedProcess, exitCode: number): void {
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
    // Nothing of the group is left holding the output open; the SIGKILL backstop can go.
    if (proc.killTimer && !proc.child!.signalGroup(0)) {
      clearTimeout(proc.killTimer);
    }
    setTimeout(() => {
      if (this.processes.get(proc.id) === proc) this.processes.delete(proc.id);
    }, this.options.closedProcessRetentionMs).unref();
  }

  private wake(proc: ManagedProcess): void {
    for (const w of [...proc.wakers]) w();
  }
}
