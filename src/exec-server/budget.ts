/**
 * What every connection of one exec-server shares: the processes running and the output bytes
 * retained across all of them. Each session also enforces its own per-connection limits; this
 * is the server-wide ceiling no number of connections can lift.
 */
export class ExecBudget {
  private running = 0;
  private retained = 0;

  constructor(
    readonly maxProcesses: number,
    readonly maxRetainedOutputBytes: number,
  ) {}

  get processes(): number {
    return this.running;
  }

  get retainedOutputBytes(): number {
    return this.retained;
  }

  /** Takes one process slot; false when the server is at its limit. */
  acquireProcess(): boolean {
    if (this.running >= this.maxProcesses) return false;
    this.running++;
    return true;
  }

  releaseProcess(): void {
    this.running = Math.max(0, this.running - 1);
  }

  /** Records retained bytes added (positive) or evicted (negative). */
  adjustRetained(delta: number): void {
    this.retained = Math.max(0, this.retained + delta);
  }

  get overRetained(): boolean {
    return this.retained > this.maxRetainedOutputBytes;
  }
}
