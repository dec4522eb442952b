import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";
import { renderWarmup } from "./script-render.js";
import { modelOf, type ScriptedState } from "./scripted-state.js";

/**
 * One Responses WebSocket connection: each `response.create` gets one script step as JSON
 * messages (`generate: false` gets a warm-up), one response at a time as the API does.
 */
export function handleScriptedWebSocket(
  state: ScriptedState,
  ws: WebSocket,
  req: IncomingMessage,
  connection: number,
): void {
  let busy = Promise.resolve();
  ws.on("error", () => {});
  ws.on("message", (data, isBinary) => {
    // The API serves one response at a time per connection: queue behind the previous one.
    busy = busy
      .then(() => onWebSocketMessage(state, ws, req, connection, isBinary ? "" : data.toString()))
      .catch((err: unknown) => {
        process.stderr.write(`scripted model server: websocket handler failed: ${String(err)}\n`);
        ws.terminate();
      });
  });
}

async function onWebSocketMessage(
  state: ScriptedState,
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
  const entry = state.begin("websocket", req, body, connection);
  const closed = () => ws.readyState !== ws.OPEN;
  const onClose = () => {
    entry.client_closed = true;
    state.end(entry, entry.result === "pending" ? "client_closed" : entry.result);
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
    state.end(entry, result);
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
      entry.response_id = state.newResponseId();
      const events = renderWarmup({
        responseId: entry.response_id,
        model: modelOf(body),
        requestBody: body,
        chunkChars: 8,
        seq: state.responseCount,
      });
      for (const e of events) send(e);
      state.end(entry, "warmup");
      return;
    }
    const plan = state.plan(entry, body);
    if (plan.kind === "exhausted") {
      wsError(500, "server_error", plan.message, "exhausted");
      return;
    }
    if (plan.kind === "hang") {
      if (!closed()) await once(ws, "close");
      return;
    }
    if (plan.kind === "http_status") {
      const { status } = plan;
      wsError(
        status,
        status === 429 ? "rate_limit_exceeded" : "server_error",
        `scripted HTTP ${status}`,
        `http_${status}`,
      );
      return;
    }
    const { step, events } = plan;
    const result = await state.play(events, step, {
      send,
      sendMalformed: () => {
        if (!closed()) ws.send('{"type":"response.output_text.delta","delta":');
      },
      cut: () => ws.terminate(),
      closed,
    });
    state.end(entry, result);
  } finally {
    ws.off("close", onClose);
  }
}
