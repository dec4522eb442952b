import type { CoreThread, DynamicToolCallRequest } from "../core/index.js";
import { DynamicToolCallResponseSchema, type DynamicToolCallResponse } from "../protocol/index.js";
import { ConnectionError } from "../rpc/index.js";
import { logger } from "../telemetry/index.js";
import type { ConnectionSession } from "./session.js";

const log = logger("spool_app_server::dynamic_tools");

interface InFlight {
  threadId: string;
  sent: { session: ConnectionSession; requestId: number }[];
  controller: AbortController;
}

const failed = (text: string): DynamicToolCallResponse => ({
  contentItems: [{ type: "inputText", text }],
  success: false,
});

/**
 * The server → client side of client-run tools: `item/tool/call` goes to every connection
 * subscribed to the thread, the first answer is the tool's output, and once core reports the
 * call resolved every connection asked hears `serverRequest/resolved`. An answer the schema
 * refuses, or no connection left to answer, fails the call (the model hears why) rather than
 * leaving the turn waiting.
 */
export class DynamicToolCalls {
  private readonly inFlight = new Map<string, InFlight>();

  private key(threadId: string, requestId: string): string {
    return `${threadId}\u0000${requestId}`;
  }

  requested(
    thread: CoreThread,
    sessions: readonly ConnectionSession[],
    request: DynamicToolCallRequest,
  ): void {
    const entry: InFlight = { threadId: thread.id, sent: [], controller: new AbortController() };
    this.inFlight.set(this.key(thread.id, request.id), entry);
    const params = {
      threadId: thread.id,
      turnId: request.turnId,
      callId: request.id,
      namespace: request.namespace,
      tool: request.tool,
      arguments: request.arguments,
    };
    let unreachable = 0;
    const gone = () => {
      if (++unreachable >= Math.max(sessions.length, 1))
        thread.answerDynamicToolCall(request.id, failed("no client connected to run this tool"));
    };
    for (const session of sessions) {
      const sent = session.request("item/tool/call", params, entry.controller.signal);
      if (!sent) {
        gone();
        continue;
      }
      entry.sent.push({ session, requestId: sent.id });
      sent.response.then(
        (result) => {
          const parsed = DynamicToolCallResponseSchema.safeParse(result);
          if (!parsed.success) log.warn("item/tool/call answer not understood", { tool: request.tool });
          thread.answerDynamicToolCall(
            request.id,
            parsed.success ? parsed.data : failed("the client's answer was not a DynamicToolCallResponse"),
          );
        },
        (err: unknown) => {
          if (entry.controller.signal.aborted) return;
          if (err instanceof ConnectionError) return gone();
          thread.answerDynamicToolCall(request.id, failed(`the client failed the call: ${String(err)}`));
        },
      );
    }
    if (sessions.length === 0) gone();
  }

  resolved(threadId: string, requestId: string): void {
    const key = this.key(threadId, requestId);
    const entry = this.inFlight.get(key);
    if (!entry) return;
    this.inFlight.delete(key);
    entry.controller.abort();
    for (const s of entry.sent)
      s.session.notify("serverRequest/resolved", { threadId: entry.threadId, requestId: s.requestId });
  }
}
