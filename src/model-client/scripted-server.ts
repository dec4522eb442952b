import { EventEmitter, once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { RequestLogFile, redactHeaders, type RequestLogEntry } from "./request-log.js";
import { parseModelScript, type ModelScript, type ModelScriptInput, type ScriptResponse } from "./script.js";
import { isDeltaEvent, renderResponse, renderWarmup, type WireEvent } from "./script-render.js";

export interface ScriptedModelServerOptions {
  /** A validated script, or a plain object validated here. */
  script: ModelScript | ModelScriptInput;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only: the scripted server has no authentication. */
  host?: "127.0.0.1" | "::1" | "localhost";
  /** Appends each finished request as a JSON line. */
  logFile?: string;
}

export interface ScriptedModelServer {
  /** Base URL for a provider's `base_url`, e.g. `http://127.0.0.1:4567/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every request so far, in arrival order (entries update until `ended`). */
  readonly requests: readonly RequestLogEntry[];
  /** Resolves with the first entry (already seen or future) matching `predicate`. */
  waitFor(predicate: (e: RequestLogEntry) => boolean): Promise<RequestLogEntry>;
  /** Stops listening and drops every connection (hung ones included). */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "::1" || host === "localhost";
}

/**
 * Starts the scripted model server: the Responses API over HTTP SSE (`POST /v1/responses`) and
 * WebSocket (`GET /v1/responses` upgrade), playing `script` one step per generating request.
 *
 * @example
 * const server = await startScriptedModelServer({ script: { responses: [{ output: [{ type: "message", text: "hi" }] }] } });
 * // provider base_url = server.url
 */
export async function startScriptedModelServer(
  options: ScriptedModelServerOptions,
): Promise<ScriptedModelServer> {
  const script = parseModelScript(options.script);
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host)) throw new Error(`scripted model server binds to loopback only, not ${host}`);
  const state = new ServerState(script, options.logFile ? new RequestLogFile(options.logFile) : undefined);
  const sockets = new Set<Socket | Duplex>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server = createServer((req, res) => {
    state.handleHttp(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: String(err), type: "server_error" } }));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  let handshakes = 0;
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const modes = script.websocket.handshake;
    const mode = Array.isArray(modes) ? modes[Math.min(handshakes, modes.length - 1)]! : modes;
    handshakes++;
    if (!isResponsesPath(req.url)) {
      socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    if (mode === "hang") return; // never answer the upgrade
    if (mode === "reject") {
      const status = script.websocket.reject_status;
      socket.end(`HTTP/1.1 ${status} Scripted Rejection\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => state.handleWebSocket(ws, req));
  });
  server.listen(options.port ?? 0, host);
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostPart}:${port}/v1`,
    port,
    requests: state.entries,
    waitFor: (p) => state.waitFor(p),
    close() {
      closing ??= (async () => {
        for (const c of wss.clients) c.terminate();
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}

function isResponsesPath(url: string | undefined): boolean {
  const path = (url ?? "").split("?")[0];
  return path === "/v1/responses" || path === "/responses";
}

class ServerState {
  readonly entries: RequestLogEntry[] = [];
  private readonly emitter = new EventEmitter();
  private nextStep = 0;
  private requestIds = 0;
  private responseIds = 0;

  constructor(
    private readonly script: ModelScript,
    private readonly log: RequestLogFile | undefined,
  ) {
    this.emitter.setMaxListeners(0);
  }

  waitFor(predicate: (e: RequestLogEntry) => boolean): Promise<RequestLogEntry> {
    const found = this.entries.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const check = (e: RequestLogEntry) => {
        if (!predicate(e)) return;
        this.emitter.off("change", check);
        resolve(e);
      };
      this.emitter.on("change", check);
    });
  }

  private begin(
    transport: "http" | "websocket",
    req: IncomingMessage,
    body: unknown,
    connection: number | null = null,
  ): RequestLogEntry {
    const entry: RequestLogEntry = {
      seq: this.entries.length + 1,
      time: new Date().toISOString(),
      transport,
      connection,
      method: req.method ?? "GET",
      path: req.url ?? "",
      headers: redactHeaders(req.headers),
      body,
      step: null,
      label: null,
      x_request_id: null,
      response_id: null,
      warmup: false,
      result: "pending",
      client_closed: false,
      ended: false,
      duration_ms: null,
    };
    this.entries.push(entry);
    this.emitter.emit("change", entry);
    return entry;
  }

  private end(entry: RequestLogEntry, result: string): void {
    if (entry.ended) return;
    entry.result = result;
    entry.ended = true;
    entry.duration_ms = Date.now() - Date.parse(entry.time);
    this.log?.write(entry);
    this.emitter.emit("change", entry);
  }

  /** The next step, or `undefined` when the script is exhausted (and `on_exhausted = "error"`). */
  private takeStep(): { step: ScriptResponse; index: number } | undefined {
    const { responses, on_exhausted } = this.script;
    if (this.nextStep < responses.length) {
      const index = this.nextStep++;
      return { step: responses[index]!, index };
    }
    if (on_exhausted === "repeat_last" && responses.length > 0) {
      return { step: responses[responses.length - 1]!, index: responses.length - 1 };
    }
    return undefined;
  }

  private exhaustedMessage(): string {
    return `scripted model server: script exhausted after ${this.script.responses.length} responses`;
  }

  private newResponseId(): string {
    return `resp_${++this.responseIds}`;
  }

  async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST" || !isResponsesPath(req.url)) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: { message: `no route for ${req.method} ${req.url}`, type: "invalid_request_error" },
        }),
      );
      return;
    }
    const { body, error } = await readJson(req);
    const entry = this.begin("http", req, body);
    const xRequestId = `req_${++this.requestIds}`;
    entry.x_request_id = xRequestId;
    res.on("close", () => {
      if (!res.writableFinished) {
        entry.client_closed = true;
        this.end(entry, entry.result === "pending" ? "client_closed" : entry.result);
      }
    });
    const sendError = (
      status: number,
      message: string,
      type: string,
      result: string,
      extra: Record<string, string> = {},
    ) => {
      res.writeHead(status, { "content-type": "application/json", "x-request-id": xRequestId, ...extra });
      res.end(JSON.stringify({ error: { message, type, param: null, code: null } }));
      this.end(entry, result);
    };
    if (error !== undefined) {
      sendError(400, error, "invalid_request_error", "bad_request");
      return;
    }
    const taken = this.takeStep();
    if (!taken) {
      sendError(500, this.exhaustedMessage(), "server_error", "exhausted");
      return;
    }
    const { step, index } = taken;
    entry.step = index;
    entry.label = step.label ?? null;
    const fault = step.fault ?? {};
    if (fault.never_send_headers) {
      entry.result = "hung";
      this.emitter.emit("change", entry);
      return; // the 'close' handler ends the entry when the client gives up
    }
    if (fault.http_status !== undefined) {
      const extra: Record<string, string> = {};
      if (fault.retry_after !== undefined) extra["retry-after"] = String(fault.retry_after);
      if (fault.retry_after_ms !== undefined) extra["retry-after-ms"] = String(fault.retry_after_ms);
      const type =
        fault.http_status === 429
          ? "rate_limit_exceeded"
          : fault.http_status >= 500
            ? "server_error"
            : "invalid_request_error";
      sendError(
        fault.http_status,
        `scripted HTTP ${fault.http_status}`,
        type,
        `http_${fault.http_status}`,
        extra,
      );
      return;
    }
    const responseId = this.newResponseId();
    entry.response_id = responseId;
    const events = renderResponse(step, {
      responseId,
      model: modelOf(body),
      requestBody: body,
      chunkChars: this.script.chunk_chars,
      seq: this.responseIds,
    });
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "x-request-id": xRequestId,
    });
    res.flushHeaders();
    // Without delays the whole response is written in one tick: one syscall instead of thousands.
    const batched = (step.event_delay_ms ?? this.script.event_delay_ms) === 0;
    if (batched) res.cork();
    const result = await this.play(events, step, {
      send: (e) => res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`),
      sendMalformed: () =>
        res.write(
          `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":\n\n`,
        ),
      // Let what was written reach the client, then reset the connection mid-body.
      cut: () =>
        new Promise<void>((resolve) => {
          if (batched) res.uncork();
          res.write("", () => (res.socket?.destroy(), resolve()));
        }),
      closed: () => res.destroyed || entry.client_closed,
    });
    if (result === "cut" || result === "client_closed") {
      this.end(entry, result);
      return;
    }
    if (batched) res.uncork();
    res.end();
    this.end(entry, result);
  }

  /** Sends a response's events with the step's faults; returns the log `result`. */
  private async play(
    events: WireEvent[],
    step: ScriptResponse,
    io: { send(e: WireEvent): void; sendMalformed(): void; cut(): void | Promise<void>; closed(): boolean },
  ): Promise<string> {
    const fault = step.fault ?? {};
    const delay = step.event_delay_ms ?? this.script.event_delay_ms;
    let deltas = 0;
    for (const e of events) {
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      if (io.closed()) return "client_closed";
      if (isDeltaEvent(e)) {
        if (fault.cut_after_deltas !== undefined && deltas >= fault.cut_after_deltas) {
          await io.cut();
          return "cut";
        }
        deltas++;
      }
      io.send(e);
      if (fault.malformed_event && e.type === "response.created") io.sendMalformed();
    }
    if (fault.cut_after_deltas !== undefined) {
      await io.cut();
      return "cut";
    }
    const last = events[events.length - 1]!.type;
    if (fault.malformed_event) return "malformed";
    return last === "response.completed" ? "completed" : last === "response.failed" ? "failed" : "incomplete";
  }

  private connections = 0;

  handleWebSocket(ws: WebSocket, req: IncomingMessage): void {
    const connection = ++this.connections;
    let busy = Promise.resolve();
    ws.on("error", () => {});
    ws.on("message", (data, isBinary) => {
      // The API serves one response at a time per connection: queue behind the previous one.
      busy = busy
        .then(() => this.onWebSocketMessage(ws, req, connection, isBinary ? "" : data.toString()))
        .catch((err: unknown) => {
          process.stderr.write(`scripted model server: websocket handler failed: ${String(err)}\n`);
          ws.terminate();
        });
    });
  }

  private async onWebSocketMessage(
    ws: WebSocket,
    req: IncomingMessage,
    connection: number,
    text: string,
  ): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    const entry = this.begin("websocket", req, body, connection);
    const closed = () => ws.readyState !== ws.OPEN;
    const onClose = () => {
      entry.client_closed = true;
      this.end(entry, entry.result === "pending" ? "client_closed" : entry.result);
    };
    ws.once("close", onClose);
    const send = (e: unknown) => {
      if (!closed()) ws.send(JSON.stringify(e));
    };
    const wsError = (status: number, code: string, message: string, result: string) => {
      send({
        type: "error",
        status,
        error: { type: status === 429 ? "rate_limit_exceeded" : "invalid_request_error", code, message },
      });
      this.end(entry, result);
    };
    try {
      if (
        typeof body !== "object" ||
        body === null ||
        (body as { type?: unknown }).type !== "response.create"
      ) {
        wsError(400, "unknown_event_type", "expected a response.create message", "bad_request");
        return;
      }
      if ((body as { generate?: unknown }).generate === false) {
        entry.warmup = true;
        entry.response_id = this.newResponseId();
        const events = renderWarmup({
          responseId: entry.response_id,
          model: modelOf(body),
          requestBody: body,
          chunkChars: 8,
          seq: this.responseIds,
        });
        for (const e of events) send(e);
        this.end(entry, "warmup");
        return;
      }
      const taken = this.takeStep();
      if (!taken) {
        wsError(500, "server_error", this.exhaustedMessage(), "exhausted");
        return;
      }
      const { step, index } = taken;
      entry.step = index;
      entry.label = step.label ?? null;
      const fault = step.fault ?? {};
      if (fault.never_send_headers) {
        entry.result = "hung";
        this.emitter.emit("change", entry);
        if (!closed()) await once(ws, "close");
        return;
      }
      if (fault.http_status !== undefined) {
        wsError(
          fault.http_status,
          fault.http_status === 429 ? "rate_limit_exceeded" : "server_error",
          `scripted HTTP ${fault.http_status}`,
          `http_${fault.http_status}`,
        );
        return;
      }
      entry.response_id = this.newResponseId();
      const events = renderResponse(step, {
        responseId: entry.response_id,
        model: modelOf(body),
        requestBody: body,
        chunkChars: this.script.chunk_chars,
        seq: this.responseIds,
      });
      const result = await this.play(events, step, {
        send,
        sendMalformed: () => {
          if (!closed()) ws.send('{"type":"response.output_text.delta","delta":');
        },
        cut: () => ws.terminate(),
        closed,
      });
      this.end(entry, result);
    } finally {
      ws.off("close", onClose);
    }
  }
}

function modelOf(body: unknown): string {
  const m = (body as { model?: unknown } | null)?.model;
  return typeof m === "string" ? m : "scripted";
}

async function readJson(req: IncomingMessage): Promise<{ body: unknown; error?: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY_BYTES) return { body: null, error: "request body too large" };
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== "object" || body === null)
      return { body, error: "request body must be a JSON object" };
    return { body };
  } catch (err) {
    return { body: text.slice(0, 1000), error: `invalid JSON body: ${(err as Error).message}` };
  }
}
