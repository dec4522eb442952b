import {
  ErrorCode,
  displayRequestId,
  type JsonRpcErrorObject,
  type JsonRpcRequest,
  type RequestId,
  type W3cTraceContext,
} from "../protocol/index.js";
import { logger, withinTimeout, type Logger } from "../telemetry/index.js";
import { ConnectionError, InvalidResultError, JsonRpcError } from "./errors.js";
import { decodeFrame, encodeFrame } from "./frame-codec.js";
import {
  formatIssuePath,
  type MethodDescriptor,
  type MethodParamsInput,
  type MethodResult,
} from "./method-table.js";
import { Fifo } from "./fifo.js";
import { OutboundGate, type OutboundLimits } from "./outbound-gate.js";
import { PendingCalls } from "./pending-calls.js";
import type { RequestSpanHandle, RequestTracer } from "./request-span.js";
import type { Transport } from "./transport.js";

/** Everything a request handler learns about its request beyond the params. */
export interface RequestContext extends RequestSpanHandle {
  readonly requestId: RequestId;
  readonly method: string;
  readonly connection: RpcConnection;
}

/** The server side of a connection: answers requests, hears notifications. */
export interface RpcHandler {
  /** Resolves to the result or throws `JsonRpcError`; anything else thrown becomes -32603. */
  handleRequest(request: JsonRpcRequest, ctx: RequestContext): unknown;
  handleNotification?(method: string, params: unknown): void;
  /** Called once when the connection closes. */
  closed?(): void;
}

export interface RpcConnectionOptions extends OutboundLimits {
  /** Answers inbound requests; without one, every request gets -32601. */
  handler?: RpcHandler;
  /** Wraps every inbound request in its span; without one, requests run untraced. */
  tracer?: RequestTracer;
  /** Inbound messages waiting to be handled before new requests get -32001. */
  maxQueuedMessages?: number;
  /**
   * Requests handled at once (default 1: strictly in arrival order). A service with long-poll
   * methods (the exec-server's `process/read` with `waitMs`) needs more, or one waiting request
   * would hold up every later one on the connection. Past the limit, later messages queue.
   */
  maxConcurrentRequests?: number;
  /** Label for this connection in logs and span attributes. */
  id?: string;
  /** Writes the `"jsonrpc": "2.0"` member on outbound messages (Codex omits it). */
  writeJsonRpcVersion?: boolean;
  /** Called with each frame sent and received, for transcripts. */
  onFrame?: (direction: "in" | "out", frame: string) => void;
}

/** Why a connection is not reading its peer. */
type InputHold = "outbound" | "queue" | "shutdown";

type Inbound =
  | { kind: "request"; request: JsonRpcRequest; rawId?: string }
  | { kind: "notification"; method: string; params: unknown };

const DEFAULT_MAX_QUEUED = 1024;
/**
 * Queued messages at which a transport that can pause stops being read (resumed at half). The
 * queue's bound (-32001 past it) then only matters for transports that cannot pause.
 */
const INGRESS_HIGH_MARK = 64;

const noSpan: RequestSpanHandle = {
  recordTurnId() {},
  requestTrace: () => undefined,
  recordError() {},
};

/**
 * One JSON-RPC peer over one transport, symmetric: it answers the peer's requests through its
 * handler and can send its own requests and notifications. Inbound messages are handled in
 * arrival order from a bounded queue; every frame gets an answer, and bad frames never close it.
 */
export class RpcConnection {
  readonly id: string;
  private readonly log: Logger;
  private readonly queue = new Fifo<Inbound>();
  // Cleared synchronously when the drain loop exits, so an enqueue can never slip between the
  // loop's last check and the flag; `drained` is what settle() waits on.
  private draining = false;
  private drained: Promise<void> = Promise.resolve();
  /** The peer will send nothing more; queued requests are still answered. */
  private inputEnded = false;
  /** Finished: nothing more is written. */
  private closed = false;
  private nextOutboundId = 1;
  private readonly pending = new PendingCalls();
  private readonly closeListeners: ((error?: Error) => void)[] = [];
  private readonly maxQueued: number;
  private readonly maxConcurrent: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly gate: OutboundGate;
  /** Closed for not reading, or shut down: what is queued is dropped, nothing more is written. */
  private abandoned = false;
  private readonly inputHolds = new Set<InputHold>();

  constructor(
    readonly transport: Transport,
    private readonly options: RpcConnectionOptions = {},
  ) {
    this.id = options.id ?? "0";
    this.log = logger("spool_rpc::connection").child({ connection_id: this.id });
    this.maxQueued = options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED;
    this.maxConcurrent = Math.max(1, options.maxConcurrentRequests ?? 1);
    this.gate = new OutboundGate(transport, options, {
      blocked: (on) => this.holdInput("outbound", on),
      stalled: (buffered, stallMs) => {
        this.log.warn("closing connection: the client stopped reading its answers", {
          outbound_bytes: buffered,
          stall_ms: stallMs,
        });
        this.abandoned = true;
        const reason = "client stopped reading";
        if (transport.abort) transport.abort(reason);
        else transport.close();
      },
    });
  }

  /**
   * Reading stops while the send buffer is over its bound or the ingress queue is past its high
   * mark, so a client that floods requests waits in its own socket, not in our memory.
   */
  private holdInput(reason: InputHold, on: boolean): void {
    const before = this.inputHolds.size > 0;
    if (on) this.inputHolds.add(reason);
    else this.inputHolds.delete(reason);
    const after = this.inputHolds.size > 0;
    if (after && !before) this.transport.pauseInput?.();
    else if (before && !after) this.transport.resumeInput?.();
  }

  /** Starts reading from the transport. */
  start(): this {
    this.transport.start({
      message: (frame) => this.onFrame(frame),
      oversized: (bytes) =>
        this.sendError(null, JsonRpcError.invalidRequest(`message of ${bytes} bytes exceeds the size limit`)),
      unsupported: (reason) => this.sendError(null, JsonRpcError.invalidRequest(reason)),
      undecodable: () =>
        this.sendError(
          null,
          new JsonRpcError(ErrorCode.ParseError, "Parse error: the frame is not valid UTF-8"),
        ),
      closed: (error) => this.onClosed(error),
    });
    return this;
  }

  /** True once the peer has stopped sending (its requests may still be being answered). */
  get isClosed(): boolean {
    return this.inputEnded;
  }

  /** Outbound bytes the transport has not yet passed on (0 when it cannot tell). */
  get bufferedOutboundBytes(): number {
    return this.transport.bufferedBytes?.() ?? 0;
  }

  /** Called once the connection has finished: the peer is gone and every answer is written. */
  onClose(listener: (error?: Error) => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Sends a notification to the peer. */
  notify(method: string, params?: unknown): void {
    this.write(params === undefined ? { method } : { method, params });
  }

  /**
   * Calls a described method: params typed from its schema, the result parsed with its result
   * schema. Rejects with `JsonRpcError` (the peer's error), `InvalidResultError` (a result the
   * schema refuses) or `ConnectionError`.
   */
  async call<D extends MethodDescriptor>(
    descriptor: D,
    params: MethodParamsInput<D>,
    trace?: W3cTraceContext,
  ): Promise<MethodResult<D>> {
    const result = await this.request(descriptor.method, params, trace);
    const parsed = descriptor.result.safeParse(result);
    if (parsed.success) return parsed.data as MethodResult<D>;
    const issue = parsed.error.issues[0]!;
    throw new InvalidResultError(
      descriptor.method,
      `${descriptor.method}: invalid result: ${formatIssuePath(issue.path, "result")}: ${issue.message}`,
    );
  }

  /**
   * Sends a request by name and resolves with the peer's raw result; rejects with `JsonRpcError`
   * or `ConnectionError`. Prefer `call` for a method with a descriptor.
   */
  request<T = unknown>(method: string, params?: unknown, trace?: W3cTraceContext): Promise<T> {
    return this.sendRequest<T>(method, params, { trace }).response;
  }

  /**
   * Sends a request and hands back its id with the answer, so the caller can name the request
   * later (the app-server's `serverRequest/resolved`). Aborting `signal` stops waiting: the id
   * leaves the pending table (a late answer is then logged and dropped) and the promise rejects.
   */
  sendRequest<T = unknown>(
    method: string,
    params?: unknown,
    options: { trace?: W3cTraceContext; signal?: AbortSignal } = {},
  ): { id: number; response: Promise<T> } {
    const id = this.nextOutboundId++;
    if (this.inputEnded) return { id, response: Promise.reject(new ConnectionError("connection is closed")) };
    const msg: Record<string, unknown> = { id, method };
    if (params !== undefined) msg.params = params;
    if (options.trace) msg.trace = options.trace;
    const response = this.pending.wait<T>(id, method, options.signal, () => this.write(msg));
    return { id, response };
  }

  close(): void {
    this.transport.close();
  }

  /**
   * The process is stopping: nothing more is read, queued requests are answered -32001, the ones
   * running get up to `graceMs` to answer, and then nothing more is written, so every frame the
   * peer receives is whole and answers a request it sent. The transport stays open (the caller
   * flushes and closes it).
   */
  async shutdown(graceMs: number): Promise<void> {
    if (this.abandoned || this.closed) return;
    this.holdInput("shutdown", true);
    const refusal = new JsonRpcError(ErrorCode.ServerOverloaded, "Server is shutting down.");
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      if (item.kind === "request") this.sendError(item.request.id, refusal, item.rawId);
    }
    await withinTimeout(this.settle(), graceMs);
    this.abandoned = true;
  }

  private onFrame(frame: string): void {
    this.options.onFrame?.("in", frame);
    const inbound = decodeFrame(frame);
    switch (inbound.kind) {
      case "invalid":
        return this.sendError(inbound.id, inbound.error, inbound.exactId);
      case "response":
        if (!this.pending.answer(inbound.id, inbound.message)) {
          this.log.warn("response to an unknown request id", { id: inbound.id });
        }
        return;
      case "stray-response":
        return this.log.warn("response without a usable id", { error: JSON.stringify(inbound.error) });
      case "notification":
        if (this.queued >= this.maxQueued) {
          return this.log.warn("ingress queue full; notification dropped", { method: inbound.method });
        }
        return this.enqueue(inbound);
      case "request":
        if (this.queued >= this.maxQueued) {
          const overloaded = new JsonRpcError(ErrorCode.ServerOverloaded, "Server overloaded; retry later.");
          return this.sendError(inbound.request.id, overloaded, inbound.exactId);
        }
        return this.enqueue({ kind: "request", request: inbound.request, rawId: inbound.exactId });
    }
  }

  private get queued(): number {
    return this.queue.size;
  }

  private enqueue(item: Inbound): void {
    this.queue.push(item);
    if (this.queued >= Math.min(INGRESS_HIGH_MARK, this.maxQueued)) this.holdInput("queue", true);
    if (!this.draining) this.drained = this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      // The loop and the finally share one function, so the flag is cleared in the same
      // synchronous step as the loop's last check: no enqueue can fall between them.
      while (this.queue.size > 0) {
        // Backpressure: nothing more is answered into a send buffer over its bound.
        const open = this.gate.whenOpen();
        if (open) await open;
        const item = this.abandoned ? undefined : this.queue.shift();
        if (!item) break;
        if (this.inputHolds.has("queue") && this.queued <= INGRESS_HIGH_MARK / 2)
          this.holdInput("queue", false);
        try {
          if (item.kind === "request") await this.startRequest(item.request, item.rawId);
          else this.handleNotification(item.method, item.params);
        } catch (err) {
          // handleRequest answers its own failures; reaching here is a bug, and it must not cost
          // the requests queued behind this one their answers.
          this.log.error("inbound message handling failed", { error: String((err as Error)?.stack ?? err) });
        }
      }
    } finally {
      this.draining = false;
      this.queue.clear();
      this.holdInput("queue", false);
    }
  }

  /** Runs a request; returns once another may start (at once while under the concurrency limit). */
  private async startRequest(request: JsonRpcRequest, rawId?: string): Promise<void> {
    if (this.maxConcurrent === 1) return this.handleRequest(request, rawId);
    const running = this.handleRequest(request, rawId).catch((err: unknown) =>
      this.log.error("request handling failed", { error: String(err) }),
    );
    this.inFlight.add(running);
    void running.finally(() => this.inFlight.delete(running));
    if (this.inFlight.size >= this.maxConcurrent) await Promise.race(this.inFlight);
  }

  private handleNotification(method: string, params: unknown): void {
    try {
      this.options.handler?.handleNotification?.(method, params);
    } catch (err) {
      this.log.error("notification handler failed", { method, error: String((err as Error)?.stack ?? err) });
    }
  }

  private async handleRequest(request: JsonRpcRequest, rawId?: string): Promise<void> {
    const run = async (span: RequestSpanHandle) => {
      try {
        const handler = this.options.handler;
        if (!handler) throw JsonRpcError.methodNotFound(request.method);
        const ctx: RequestContext = {
          requestId: request.id,
          method: request.method,
          connection: this,
          recordTurnId: (id) => span.recordTurnId(id),
          requestTrace: () => span.requestTrace(),
          recordError: (code, message) => span.recordError(code, message),
        };
        const result = await handler.handleRequest(request, ctx);
        this.write({ id: request.id, result: result ?? {} }, rawId);
      } catch (err) {
        const e = this.toWireError(err, request);
        span.recordError(e.code, e.message);
        this.sendError(request.id, e, rawId);
      }
    };
    if (this.options.tracer) await this.options.tracer.run(request, run);
    else await run(noSpan);
  }

  private toWireError(err: unknown, request: JsonRpcRequest): JsonRpcError {
    if (err instanceof JsonRpcError) return err;
    this.log.error("request handler failed", {
      rpc_method: request.method,
      rpc_request_id: displayRequestId(request.id),
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    const message = err instanceof Error ? err.message : String(err);
    return JsonRpcError.internal(`Internal error: ${message}`);
  }

  /**
   * Sends an error frame outside any request's answer: `id: null` for a frame that could not be
   * read, or a sentinel such as the `-1` Codex's exec-server answers a stray notification with.
   * `exactId` is the id's source text when it is an integer a double cannot hold.
   */
  sendError(id: RequestId | null, error: JsonRpcError, exactId?: string): void {
    const { code, message, data } = error;
    const body: JsonRpcErrorObject = data === undefined ? { code, message } : { code, message, data };
    this.write({ id, error: body }, exactId);
  }

  private write(msg: Record<string, unknown>, exactId?: string): void {
    if (this.closed || this.abandoned) return;
    let frame: string;
    try {
      frame = encodeFrame(msg, exactId, this.options.writeJsonRpcVersion ?? false);
    } catch (err) {
      // A result that cannot be serialized (a BigInt, a cycle) still gets an answer.
      this.log.error("outbound message could not be serialized", { error: String(err) });
      if (msg.id === undefined) return;
      frame = JSON.stringify({
        id: msg.id,
        error: {
          code: ErrorCode.InternalError,
          message: "Internal error: the response could not be serialized",
        },
      });
    }
    this.options.onFrame?.("out", frame);
    this.transport.send(frame);
    this.gate.sent();
  }

  /**
   * The peer stopped sending. A clean end (stdin closed) still gets every queued request
   * answered, as JSON-RPC asks, before the connection counts as closed; a transport error ends it
   * at once. Calls this side is waiting on can no longer be answered and are rejected now.
   */
  private onClosed(error?: Error): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    const reason = new ConnectionError(error ? `connection closed: ${error.message}` : "connection closed");
    this.pending.rejectAll(reason);
    if (error) this.finish(error);
    else void this.settle().then(() => this.finish());
  }

  /** Resolves once the queue is empty and no request is running. */
  private async settle(): Promise<void> {
    while (this.draining || this.inFlight.size > 0) {
      await this.drained;
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.gate.stop();
    try {
      this.options.handler?.closed?.();
    } finally {
      for (const l of this.closeListeners.splice(0)) l(error);
    }
  }
}
