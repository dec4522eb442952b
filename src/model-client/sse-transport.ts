import { createParser, type EventSourceMessage } from "eventsource-parser";
import { isRetryableStatus, retryAfterMs } from "./backoff.js";
import { IdleTimeoutError, StreamDroppedError } from "./errors.js";
import { IdleTimer, type AttemptResult, type AttemptSink, type TerminalEvent } from "./attempt.js";
import { noopModelTelemetry, type ModelClientTelemetry } from "./telemetry.js";
import type { MalformedEventError } from "./wire-events.js";
import { isTerminalEvent, parseServerEvent } from "./wire-events.js";

export interface SseAttemptOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  attempt: number;
  idleTimeoutMs: number;
  signal: AbortSignal | undefined;
  telemetry: ModelClientTelemetry;
  fetch: typeof fetch;
  /** Path reported as the `endpoint` of `codex.api_request`. */
  endpoint: string;
  /** Observes the HTTP status as soon as headers arrive (for the attempt span). */
  onStatus?: (status: number) => void;
}

const MAX_ERROR_BODY = 64 * 1024;

/**
 * One `POST /responses` with `stream: true`: reads the `x-request-id` header once when the
 * response arrives, then feeds the body through eventsource-parser until a terminal event.
 */
export async function runSseAttempt(o: SseAttemptOptions, sink: AttemptSink): Promise<AttemptResult> {
  const controller = new AbortController();
  let idleFired = false;
  const idle = new IdleTimer(o.idleTimeoutMs, () => {
    idleFired = true;
    controller.abort(new IdleTimeoutError(o.idleTimeoutMs));
  });
  const onAbort = () => controller.abort(o.signal!.reason);
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener("abort", onAbort, { once: true });
  const started = performance.now();
  const auth =
    o.headers.authorization !== undefined
      ? { "auth.header_attached": true, "auth.header_name": "authorization" }
      : { "auth.header_attached": false };
  const failure = (err: unknown, beforeHeaders: boolean): AttemptResult => {
    if (o.signal?.aborted) return { kind: "cancelled", reason: o.signal.reason };
    if (idleFired) return { kind: "dropped", error: new IdleTimeoutError(o.idleTimeoutMs) };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    const error = new StreamDroppedError(
      beforeHeaders ? `request failed before a response: ${detail}` : `stream closed: ${detail}`,
    );
    return beforeHeaders ? { kind: "network_error", error } : { kind: "dropped", error };
  };
  try {
    let res: Response;
    try {
      res = await o.fetch(o.url, {
        method: "POST",
        headers: o.headers,
        body: o.body,
        signal: controller.signal,
      });
    } catch (err) {
      const result = failure(err, true);
      o.telemetry.apiRequest({
        attempt: o.attempt,
        duration_ms: Math.round(performance.now() - started),
        "error.message": result.kind === "cancelled" ? "cancelled" : errorText(result),
        endpoint: o.endpoint,
        ...auth,
      });
      return result;
    }
    idle.poke();
    sink.upstreamRequestId(res.headers.get("x-request-id"));
    o.onStatus?.(res.status);
    if (!res.ok) {
      const body = await readErrorBody(res);
      o.telemetry.apiRequest({
        attempt: o.attempt,
        duration_ms: Math.round(performance.now() - started),
        "http.response.status_code": res.status,
        "error.message": `HTTP ${res.status}`,
        endpoint: o.endpoint,
        ...auth,
      });
      return {
        kind: "http_error",
        status: res.status,
        body,
        retryAfterMs: isRetryableStatus(res.status) ? retryAfterMs(res.headers) : undefined,
      };
    }
    o.telemetry.apiRequest({
      attempt: o.attempt,
      duration_ms: Math.round(performance.now() - started),
      "http.response.status_code": res.status,
      endpoint: o.endpoint,
      ...auth,
    });
    if (!res.body) return { kind: "dropped", error: new StreamDroppedError("response has no body") };
    return await readEvents(res.body, o, sink, idle, controller, failure);
  } finally {
    idle.stop();
    o.signal?.removeEventListener("abort", onAbort);
  }
}

function errorText(r: AttemptResult): string {
  return "error" in r ? r.error.message : r.kind;
}

async function readErrorBody(res: Response): Promise<string> {
  try {
    const text = await res.text();
    return text.length > MAX_ERROR_BODY ? text.slice(0, MAX_ERROR_BODY) : text;
  } catch {
    return "";
  }
}

async function readEvents(
  body: ReadableStream<Uint8Array>,
  o: SseAttemptOptions,
  sink: AttemptSink,
  idle: IdleTimer,
  controller: AbortController,
  failure: (err: unknown, beforeHeaders: boolean) => AttemptResult,
): Promise<AttemptResult> {
  let terminal: TerminalEvent | undefined;
  let malformed: MalformedEventError | undefined;
  let last = performance.now();
  const report = o.telemetry !== noopModelTelemetry;
  const parser = createParser({
    onEvent(msg: EventSourceMessage) {
      if (terminal || malformed) return;
      let duration_ms = 0;
      if (report) {
        const now = performance.now();
        duration_ms = Math.round(now - last);
        last = now;
      }
      let ev;
      try {
        ev = parseServerEvent(msg.data, msg.event);
      } catch (err) {
        malformed = err as MalformedEventError;
        o.telemetry.sseEvent({
          "event.kind": malformed.eventType,
          duration_ms,
          "error.message": malformed.message,
        });
        return;
      }
      if (!ev) {
        if (report) o.telemetry.sseEvent({ "event.kind": msg.event ?? "message", duration_ms });
        return;
      }
      if (!report) {
        // nothing to record
      } else if (ev.type === "response.completed") {
        const u = ev.response.usage;
        o.telemetry.sseEvent({
          "event.kind": ev.type,
          duration_ms,
          input_token_count: u?.input_tokens,
          output_token_count: u?.output_tokens,
          cached_token_count: u?.input_tokens_details?.cached_tokens,
          reasoning_token_count: u?.output_tokens_details?.reasoning_tokens,
        });
      } else {
        o.telemetry.sseEvent({ "event.kind": ev.type, duration_ms });
      }
      sink.event(ev);
      if (isTerminalEvent(ev)) terminal = ev;
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        return failure(err, false);
      }
      if (chunk.done) break;
      idle.poke();
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      if (terminal) return { kind: "terminal", event: terminal };
      if (malformed) return { kind: "malformed", error: malformed };
    }
    parser.feed(decoder.decode());
    parser.reset({ consume: true });
    if (terminal) return { kind: "terminal", event: terminal };
    if (malformed) return { kind: "malformed", error: malformed };
    return { kind: "dropped", error: new StreamDroppedError("stream closed before response.completed") };
  } finally {
    // Stop reading: after a terminal event the body is done; otherwise this tears the connection down.
    if (!terminal) controller.abort(new StreamDroppedError("attempt finished"));
    reader.cancel().catch(() => {});
  }
}
