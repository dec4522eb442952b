import { randomUUID } from "node:crypto";
import type { ExecOutputStream, WriteStatus } from "../protocol/index.js";
import type { MethodDescriptor, MethodParamsInput, MethodResult } from "../rpc/index.js";
import { processSignal, processTerminate, processWrite } from "./methods.js";

export interface OutputChunk {
  readonly seq: number;
  readonly stream: ExecOutputStream;
  readonly bytes: Buffer;
}

export interface ProcessResult {
  exitCode: number;
}

/** What a process handle needs from its client: one request to the exec-server. */
export interface ProcessCaller {
  call<D extends MethodDescriptor>(descriptor: D, params: MethodParamsInput<D>): Promise<MethodResult<D>>;
}

function settleable<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Marked handled: a caller that never awaits it must not crash the process on rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** A process running in an exec-server. */
export class ExecProcess {
  private listeners: ((chunk: OutputChunk) => void)[] = [];
  private backlog: OutputChunk[] | undefined = [];
  private readonly exit = settleable<number>();
  private readonly close = settleable<void>();
  private exitCode: number | undefined;

  /** @internal */
  constructor(
    readonly processId: string,
    private readonly client: ProcessCaller,
    onOutput: ((chunk: OutputChunk) => void) | undefined,
  ) {
    if (onOutput) this.onOutput(onOutput);
  }

  /** Resolves with the exit code when the process exits (output may still be in flight). */
  get exited(): Promise<number> {
    return this.exit.promise;
  }

  /**
   * Adds an output listener. Output that arrived before the first listener is replayed to it,
   * so nothing is lost between `start` and `onOutput`. Returns a function removing it.
   */
  onOutput(listener: (chunk: OutputChunk) => void): () => void {
    this.listeners.push(listener);
    if (this.backlog) {
      const pending = this.backlog;
      this.backlog = undefined;
      for (const c of pending) listener(c);
    }
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Writes to stdin (needs `pipeStdin` or `tty`); resolves with the server's status. */
  async write(data: string | Uint8Array): Promise<WriteStatus> {
    const chunk = Buffer.from(data).toString("base64");
    const r = await this.client.call(processWrite, {
      processId: this.processId,
      chunk,
      writeId: randomUUID(),
    });
    return r.status;
  }

  /** Sends SIGINT to the process group. */
  async interrupt(): Promise<void> {
    await this.client.call(processSignal, { processId: this.processId, signal: "interrupt" });
  }

  /** SIGTERM, then SIGKILL after the server's grace period; false if it was no longer running. */
  async terminate(): Promise<boolean> {
    const r = await this.client.call(processTerminate, { processId: this.processId });
    return r.running;
  }

  /** Resolves once the process has exited and all its output has been delivered. */
  async wait(): Promise<ProcessResult> {
    await this.close.promise;
    return { exitCode: await this.exit.promise };
  }

  /** @internal */
  deliver(chunk: OutputChunk): void {
    if (this.backlog) this.backlog.push(chunk);
    else for (const l of this.listeners) l(chunk);
  }

  /** @internal */
  markExited(exitCode: number): void {
    this.exitCode = exitCode;
    this.exit.resolve(exitCode);
  }

  /** @internal */
  markClosed(): void {
    this.close.resolve();
  }

  /** @internal */
  fail(error: Error): void {
    if (this.exitCode === undefined) this.exit.reject(error);
    this.close.reject(error);
  }
}
