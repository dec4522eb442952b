import type { ApprovalDecision, ApprovalRequest, CoreThread } from "../core/index.js";
import {
  CommandExecutionRequestApprovalResponseSchema,
  FileChangeRequestApprovalResponseSchema,
  type CommandExecutionRequestApprovalParams,
  type FileChangeRequestApprovalParams,
} from "../protocol/index.js";
import { ConnectionError } from "../rpc/index.js";
import { logger } from "../telemetry/index.js";
import type { ConnectionSession } from "./session.js";

const log = logger("spool_app_server::approvals");

interface Sent {
  session: ConnectionSession;
  requestId: number;
}

interface InFlight {
  threadId: string;
  sent: Sent[];
  /** Stops waiting on the clients that did not answer. */
  controller: AbortController;
}

function wireRequest(
  threadId: string,
  r: ApprovalRequest,
):
  | { method: "item/commandExecution/requestApproval"; params: CommandExecutionRequestApprovalParams }
  | { method: "item/fileChange/requestApproval"; params: FileChangeRequestApprovalParams } {
  const common = {
    threadId,
    turnId: r.turnId,
    itemId: r.itemId,
    startedAtMs: r.startedAtMs,
    reason: r.reason,
  };
  if (r.kind === "fileChange")
    return { method: "item/fileChange/requestApproval", params: { ...common, grantRoot: r.grantRoot } };
  return {
    method: "item/commandExecution/requestApproval",
    params: { ...common, approvalId: null, command: r.command, cwd: r.cwd, commandActions: r.commandActions },
  };
}

/** A client's answer as a core decision; an answer the schema refuses counts as `decline`. */
function decisionOf(kind: ApprovalRequest["kind"], result: unknown): ApprovalDecision {
  const schema =
    kind === "fileChange"
      ? FileChangeRequestApprovalResponseSchema
      : CommandExecutionRequestApprovalResponseSchema;
  const parsed = schema.safeParse(result);
  if (!parsed.success) {
    log.warn("approval answer not understood; declined", { kind });
    return "decline";
  }
  // An execpolicy or network amendment approves this command; the amendment itself is not kept.
  return typeof parsed.data.decision === "string" ? parsed.data.decision : "accept";
}

/**
 * The server → client side of core's approvals: each request goes to every connection
 * subscribed to the thread, the first answer settles it, and once core reports it resolved
 * (answered, or its turn ended) every connection that was asked hears `serverRequest/resolved`
 * and the unanswered requests are abandoned. When no asked connection can answer any more
 * (they all closed), the turn is interrupted rather than left waiting forever.
 */
export class ApprovalRequests {
  private readonly inFlight = new Map<string, InFlight>();

  requested(thread: CoreThread, sessions: readonly ConnectionSession[], request: ApprovalRequest): void {
    const { method, params } = wireRequest(thread.id, request);
    const entry: InFlight = { threadId: thread.id, sent: [], controller: new AbortController() };
    this.inFlight.set(request.id, entry);
    let unreachable = 0;
    const gone = () => {
      if (++unreachable < sessions.length) return;
      log.info("no client can answer the approval request; interrupting the turn", {
        "thread.id": thread.id,
        "turn.id": request.turnId,
      });
      thread.answerApproval(request.id, "cancel");
    };
    for (const session of sessions) {
      const sent = session.request(method, params, entry.controller.signal);
      if (!sent) {
        gone();
        continue;
      }
      entry.sent.push({ session, requestId: sent.id });
      sent.response.then(
        (result) => thread.answerApproval(request.id, decisionOf(request.kind, result)),
        (err: unknown) => {
          if (entry.controller.signal.aborted) return;
          if (err instanceof ConnectionError) return gone();
          log.warn("approval request failed; declined", { error: String(err) });
          thread.answerApproval(request.id, "decline");
        },
      );
    }
    if (sessions.length === 0) gone();
  }

  resolved(requestId: string): void {
    const entry = this.inFlight.get(requestId);
    if (!entry) return;
    this.inFlight.delete(requestId);
    entry.controller.abort();
    for (const s of entry.sent)
      s.session.notify("serverRequest/resolved", { threadId: entry.threadId, requestId: s.requestId });
  }
}
