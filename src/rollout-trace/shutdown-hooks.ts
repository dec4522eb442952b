/**
 * Flushes live bundle writers when the process is asked to stop. On SIGINT/SIGTERM the queued
 * events are drained (bounded wait), then, if no one else handles the signal, it is re-raised so
 * the process ends as it would have. On `exit` a last synchronous flush runs.
 */

interface Flushable {
  flush(): Promise<void>;
  flushSyncOnExit(): void;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
const FLUSH_WAIT_MS = 2000;
const writers = new Set<Flushable>();
let signalsInstalled = false;
let exitInstalled = false;

function onSignal(signal: NodeJS.Signals): void {
  const all = [...writers].map((w) => w.flush().catch(() => undefined));
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, FLUSH_WAIT_MS).unref());
  void Promise.race([Promise.all(all), timeout]).then(() => {
    // Only the signal handlers go: when the application owns shutdown and later calls
    // process.exit(), writers still open get their last synchronous flush from the exit hook.
    removeSignalHandlers();
    // Others listening means the application owns shutdown; otherwise restore the default exit.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function onExit(): void {
  for (const w of writers) w.flushSyncOnExit();
}

function install(): void {
  if (!signalsInstalled) {
    signalsInstalled = true;
    for (const s of SIGNALS) process.on(s, onSignal);
  }
  if (!exitInstalled) {
    exitInstalled = true;
    process.on("exit", onExit);
  }
}

function removeSignalHandlers(): void {
  if (!signalsInstalled) return;
  signalsInstalled = false;
  for (const s of SIGNALS) process.off(s, onSignal);
}

function uninstall(): void {
  removeSignalHandlers();
  if (!exitInstalled) return;
  exitInstalled = false;
  process.off("exit", onExit);
}

export function trackWriter(w: Flushable): void {
  writers.add(w);
  install();
}

export function untrackWriter(w: Flushable): void {
  writers.delete(w);
  if (writers.size === 0) uninstall();
}
