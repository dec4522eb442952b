import type { IncomingMessage, ServerResponse } from "node:http";
import { isResponsesPath, readJson, type ScriptedState } from "./scripted-state.js";

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
  const plan = state.plan(entry, body);
  if (plan.kind === "exhausted") {
    sendError(500, plan.message, "server_error", "exhausted");
    return;
  }
  if (plan.kind === "hang") return; // the 'close' handler ends the entry when the client gives up
  if (plan.kind === "http_status") {
    const { status } = plan;
    const type =
      status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error";
    sendError(status, `scripted HTTP ${status}`, type, `http_${status}`, plan.headers);
    return;
  }
  const { step, events } = plan;
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
