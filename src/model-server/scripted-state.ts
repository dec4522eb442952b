import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { redactHeaders, type RequestLogEntry, type RequestLogFile } from "./request-log.js";
import type { ModelScript, ScriptResponse } from "./script.js";
import { isDeltaEvent, lastUserText, renderResponse, type WireEvent } from "./script-render.js";

/** `ScriptedState.plan`'s answer. */
export type StepPlan =
  | { kind: "exhausted"; message: string }
  /** `never_send_headers`: the entry is marked hung; send nothing until the client gives up. */
  | { kind: "hang" }
  /** `http_status`, with `retry-after` / `retry-after-ms` headers when scripted. */
  | { kind: "http_status"; status: number; headers: Record<string, string> }
  | { kind: "stream"; step: ScriptResponse; events: WireEvent[] };

/** Script position, ids and the request log, shared by the HTTP and WebSocket handlers. */
export class ScriptedState {
  readonly entries: RequestLogEntry[] = [];
  private readonly emitter = new EventEmitter();
  /** Which steps a request has taken (each step answers one request). */
  private readonly taken: boolean[] = [];
  private requestIds = 0;
  private responseIds = 0;

  constructor(
    readonly script: ModelScript,
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

  begin(
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

  end(entry: RequestLogEntry, result: string): void {
    if (entry.ended) return;
    entry.result = result;
    entry.ended = true;
    entry.duration_ms = Date.now() - Date.parse(entry.time);
    this.log?.write(entry);
    this.emitter.emit("change", entry);
  }

  /**
   * The first step not yet taken that `body` matches, or `undefined` when none is left (and
   * `on_exhausted = "error"`). `repeat_last` repeats the last step of the script `body` matches.
   */
  takeStep(body: unknown): { step: ScriptResponse; index: number } | undefined {
    const { responses, on_exhausted } = this.script;
    const text = lastUserText(body);
    const matches = (s: ScriptResponse) =>
      s.when_input_contains === undefined || text.includes(s.when_input_contains);
    const index = responses.findIndex((s, i) => !this.taken[i] && matches(s));
    if (index >= 0) {
      this.taken[index] = true;
      return { step: responses[index]!, index };
    }
    if (on_exhausted === "repeat_last") {
      const last = responses.findLastIndex(matches);
      if (last >= 0) return { step: responses[last]!, index: last };
    }
    return undefined;
  }

  /**
   * What to do with a request that got past its transport's own checks: the step it takes
   * (recorded on `entry`) and that step's up-front fault, or the rendered events to play. The
   * part of a response both transports share.
   */
  plan(entry: RequestLogEntry, body: unknown): StepPlan {
    const taken = this.takeStep(body);
    if (!taken) return { kind: "exhausted", message: this.exhaustedMessage() };
    const { step, index } = taken;
    entry.step = index;
    entry.label = step.label ?? null;
    const fault = step.fault ?? {};
    if (fault.never_send_headers) {
      entry.result = "hung";
      this.changed(entry);
      return { kind: "hang" };
    }
    if (fault.http_status !== undefined) {
      const headers: Record<string, string> = {};
      if (fault.retry_after !== undefined) headers["retry-after"] = String(fault.retry_after);
      if (fault.retry_after_ms !== undefined) headers["retry-after-ms"] = String(fault.retry_after_ms);
      return { kind: "http_status", status: fault.http_status, headers };
    }
    const responseId = this.newResponseId();
    entry.response_id = responseId;
    const events = renderResponse(step, {
      responseId,
      model: modelOf(body),
      requestBody: body,
      chunkChars: this.script.chunk_chars,
      seq: this.responseCount,
    });
    return { kind: "stream", step, events };
  }

  exhaustedMessage(): string {
    return `scripted model server: script exhausted after ${this.script.responses.length} responses`;
  }

  newResponseId(): string {
    return `resp_${++this.responseIds}`;
  }

  /** Tells `waitFor` callers an entry changed (e.g. it is now known to hang). */
  changed(entry: RequestLogEntry): void {
    this.emitter.emit("change", entry);
  }

  /** A distinct `x-request-id` for each HTTP response. */
  newRequestId(): string {
    return `req_${++this.requestIds}`;
  }

  /** How many responses were created so far (keeps item ids unique). */
  get responseCount(): number {
    return this.responseIds;
  }

  /** Sends a response's events with the step's faults; returns the log `result`. */
  async play(
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
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export function isResponsesPath(url: string | undefined): boolean {
  const path = (url ?? "").split("?")[0];
  return path === "/v1/responses" || path === "/responses";
}

export function modelOf(body: unknown): string {
  const m = (body as { model?: unknown } | null)?.model;
  return typeof m === "string" ? m : "scripted";
}

export async function readJson(req: IncomingMessage): Promise<{ body: unknown; error?: string }> {
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
