/** What output flow control needs from the connection and the processes. */
export interface OutputFlowHooks {
  /** Notification bytes not yet passed to the peer. */
  bufferedBytes(): number;
  /** Pauses (true) or resumes (false) the output of every process. */
  setOutputPaused(paused: boolean): void;
}

/**
 * Backpressure for process output: past the high-water mark of unsent notification bytes every
 * process's output is paused, and resumed once the connection has drained to a quarter of it.
 */
export class OutputFlow {
  private pausedNow = false;
  private resumeTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly highWaterBytes: number,
    private readonly hooks: OutputFlowHooks,
  ) {}

  get paused(): boolean {
    return this.pausedNow;
  }

  /** Called after each notification of output; pauses everything once past the mark. */
  sent(): void {
    if (!this.pausedNow && this.hooks.bufferedBytes() > this.highWaterBytes) this.pause();
  }

  /** No more resume checks (the connection is closing). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.resumeTimer);
  }

  private pause(): void {
    this.pausedNow = true;
    this.hooks.setOutputPaused(true);
    this.scheduleResumeCheck(0);
  }

  // The transport has no drain event, so it is polled while output is paused: first on the next
  // loop turns (an in-process peer drains there), then every millisecond (a socket drains at the
  // network's pace) without spinning a core.
  private scheduleResumeCheck(attempt: number): void {
    const check = () => {
      this.resumeTimer = undefined;
      if (this.stopped) return;
      if (this.hooks.bufferedBytes() > this.highWaterBytes / 4) {
        this.scheduleResumeCheck(attempt + 1);
        return;
      }
      this.pausedNow = false;
      this.hooks.setOutputPaused(false);
    };
    if (attempt < 4) setImmediate(check);
    else this.resumeTimer = setTimeout(check, 1);
  }
}
