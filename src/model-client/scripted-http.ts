import type { IncomingMessage, ServerResponse } from "node:http";
import { renderResponse } from "./script-render.js";
import { isResponsesPath, modelOf, readJson, type ScriptedState } from "./scripted-state.js";

/** `POST /v1/responses`: one script step streamed as SSE, or the step's HTTP fault. */
export async function handleScriptedHttp(
  state: ScriptedState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== "POST" || !isResponsesPath(req.url)) {
    res.writeHead(404, { "content-type": "application/json", "x-request-id": state.newRequestId() });
    res.end(
      JSON.stringify({
        error: { message: `no route for ${req.method} ${req.url}`, type: "invalid_request_error" },
      }),
    );
    return;
  }
  const { body, error } = await readJson(req);
  const entry = state.begin("http", req, body);
  const xRequestId = state.newRequestId();
  entry.x_request_id = xRequestId;
  res.on("close", () => {
    if (!res.writableFinished) {
      entry.client_closed = true;
      state.end(entry, entry.result === "pending" ? "client_closed" : entry.result);
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
    state.end(entry, result);
  };
  if (error !== undefined) {
    sendError(400, error, "invalid_request_error", "bad_request");
    return;
  }
  const taken = state.takeStep();
  if (!taken) {
    sendError(500, state.exhaustedMessage(), "server_error", "exhausted");
    return;
  }
  const { step, index } = taken;
  entry.step = index;
  entry.label = step.label ?? null;
  const fault = step.fault ?? {};
  if (fault.never_send_headers) {
    entry.result = "hung";
    state.changed(entry);
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
  const responseId = state.newResponseId();
  entry.response_id = responseId;
  const events = renderResponse(step, {
    responseId,
    model: modelOf(body),
    requestBody: body,
    chunkChars: state.script.chunk_chars,
    seq: state.responseCount,
  });
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "x-request-id": xRequestId,
  });
  res.flushHeaders();
  // Without delays the whole response is written in one tick: one syscall instead of thousands.
  const batched = (step.event_delay_ms ?? state.script.event_delay_ms) === 0;
  if (batched) res.cork();
  const result = await state.play(events, step, {
    send: (e) => res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`),
    sendMalformed: () =>
      res.write(`event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":\n\n`),
    // Let what was written reach the client, then reset the connection mid-body.
    cut: () =>
      new Promise<void>((resolve) => {
        if (batched) res.uncork();
        res.write("", () => (res.socket?.destroy(), resolve()));
      }),
    closed: () => res.destroyed || entry.client_closed,
  });
  if (result === "cut" || result === "client_closed") {
    state.end(entry, result);
    return;
  }
  if (batched) res.uncork();
  res.end();
  state.end(entry, result);
}
