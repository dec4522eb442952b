import { abortableSleep } from "./backoff.js";
import { ResponseFailedError, WebSocketConnectError } from "./errors.js";
import type { ResponsesWebSocket } from "./websocket-transport.js";
import { MODEL_METRICS, type ModelClientTelemetry } from "./telemetry.js";
import { serverErrorOf } from "./wire-events.js";

/** How consuming the startup prewarm resolved (spec/app-server.md §8). */
export type PrewarmResolution =
  /** The warmed connection is handed to the turn; `responseId` is the warm-up response's id. */
  | { kind: "ready"; responseId: string | null }
  /** No prewarm, or it failed, closed or did not finish within the connect timeout. */
  | { kind: "unavailable"; reason: string; status: PrewarmStatus }
  /** The turn's signal fired first; the turn must not make a model request. */
  | { kind: "cancelled"; reason: unknown };

/** The prewarm's own final status (tag `status` of `codex.startup_prewarm.duration_ms`). */
export type PrewarmStatus = "ready" | "failed" | "timeout" | "not_started";

type Settled =
  | { status: "ready"; connection: ResponsesWebSocket; responseId: string | null }
  | { status: "failed" | "timeout"; reason: string; connectFailed: boolean };

export interface PrewarmDeps {
  /** Opens the connection (bounded by the same deadline through `signal`). */
  open(signal: AbortSignal): Promise<ResponsesWebSocket>;
  /** Sends the `generate: false` warm-up and resolves with its terminal result. */
  warm(
    connection: ResponsesWebSocket,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; responseId: string | null; error?: string }>;
  timeoutMs: number;
  telemetry: ModelClientTelemetry;
}

/**
 * The startup prewarm: connect and warm up within `timeoutMs`, in the background. A hung
 * handshake or warm-up resolves as `timeout` at the deadline and its socket is torn down.
 */
export class StartupPrewarm {
  readonly startedAt = performance.now();
  private readonly settled: Promise<Settled>;
  private result: Settled | undefined;
  private consumedOnce = false;
  private readonly deadline = new AbortController();
  private taken = false;

  constructor(deps: PrewarmDeps) {
    const deadline = this.deadline;
    this.settled = this.run(deps, deadline).then((r) => {
      this.result = r;
      deps.telemetry.recordDuration(
        MODEL_METRICS.startupPrewarmDuration,
        Math.round(performance.now() - this.startedAt),
        {
          status: r.status,
        },
      );
      return r;
    });
  }

  private async run(deps: PrewarmDeps, deadline: AbortController): Promise<Settled> {
    // A deadline, not work: it must not keep a process alive that has nothing else to do.
    const timeout = abortableSleep(deps.timeoutMs, deadline.signal, { unref: true }).then(
      () => "timeout" as const,
      () => "stopped" as const,
    );
    let connection: ResponsesWebSocket | undefined;
    const work = (async (): Promise<Settled> => {
      try {
        connection = await deps.open(deadline.signal);
      } catch (err) {
        return { status: "failed", reason: (err as Error).message ?? String(err), connectFailed: true };
      }
      const warmed = await deps.warm(connection, deadline.signal);
      if (!warmed.ok)
        return { status: "failed", reason: warmed.error ?? "warm-up failed", connectFailed: false };
      return { status: "ready", connection, responseId: warmed.responseId };
    })();
    const first = await Promise.race([work, timeout]);
    if (first === "timeout") {
      deadline.abort(new WebSocketConnectError(`startup prewarm not done within ${deps.timeoutMs} ms`));
      connection?.close();
      void work.then((r) => (r.status === "ready" ? r.connection.close() : undefined));
      return {
        status: "timeout",
        reason: `startup prewarm not done within ${deps.timeoutMs} ms`,
        connectFailed: connection === undefined,
      };
    }
    if (first === "stopped") {
      void work.then((r) => (r.status === "ready" ? r.connection.close() : undefined));
      return { status: "failed", reason: "prewarm stopped (client closed)", connectFailed: false };
    }
    deadline.abort(new Error("prewarm settled"));
    return first;
  }

  /** True when the connection itself could not be opened (not just the warm-up). */
  get connectFailed(): boolean {
    return this.result !== undefined && this.result.status !== "ready" && this.result.connectFailed;
  }

  /**
   * Waits for the prewarm, racing `signal`. The first call records
   * `codex.startup_prewarm.age_at_first_turn_ms` with its `outcome`. The connection of a
   * `ready` prewarm is handed out once (`take()`).
   */
  async consume(
    signal: AbortSignal | undefined,
    telemetry: ModelClientTelemetry,
  ): Promise<PrewarmResolution> {
    const record = (outcome: string) => {
      if (this.consumedOnce) return;
      this.consumedOnce = true;
      telemetry.recordDuration(
        MODEL_METRICS.startupPrewarmAgeAtFirstTurn,
        Math.round(performance.now() - this.startedAt),
        { outcome },
      );
    };
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<"aborted">((resolve) => {
      if (signal?.aborted) resolve("aborted");
      onAbort = () => resolve("aborted");
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    const r = await Promise.race([this.settled, aborted]);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    if (r === "aborted") {
      record("cancelled");
      return { kind: "cancelled", reason: signal!.reason };
    }
    if (r.status === "ready" && !this.taken && r.connection.isOpen) {
      record("ready");
      return { kind: "ready", responseId: r.responseId };
    }
    record("unavailable");
    const reason = r.status === "ready" ? "warmed connection already used or closed" : r.reason;
    return { kind: "unavailable", reason, status: r.status === "ready" ? "ready" : r.status };
  }

  /** Hands over the warmed connection once (after a `ready` resolution). */
  take(): ResponsesWebSocket | undefined {
    if (this.taken || this.result?.status !== "ready" || !this.result.connection.isOpen) return undefined;
    this.taken = true;
    return this.result.connection;
  }

  /** Stops a pending prewarm and closes the warmed connection if nobody took it. */
  async dispose(): Promise<void> {
    if (!this.result) this.deadline.abort(new Error("model client closed"));
    const r = await this.settled;
    if (r.status === "ready" && !this.taken) r.connection.close();
  }
}

/** A warm-up's terminal event → ok / error text. */
export function warmupResult(
  ev: Parameters<typeof serverErrorOf>[0] | undefined,
  fallbackError: string,
): { ok: boolean; responseId: string | null; error?: string } {
  if (ev?.type === "response.completed") return { ok: true, responseId: ev.response.id };
  if (!ev) return { ok: false, responseId: null, error: fallbackError };
  const { code, message } = serverErrorOf(ev);
  return { ok: false, responseId: null, error: new ResponseFailedError(ev.type, code, message).message };
}
