import { experimentalFieldIn, type JsonRpcRequest } from "../protocol/index.js";
import { JsonRpcError, type RequestContext, type RpcHandler } from "../rpc/index.js";
import { logger } from "../telemetry/index.js";
import type { AppServerServices, MethodDescriptor } from "./methods.js";
import type { ConnectionSession } from "./session.js";

const log = logger("spool_app_server::message_processor");

/** Renders a zod issue path the way clients read it: `clientInfo.name`, `input[0].text`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out || "params";
}

/**
 * Routes one connection's requests: the initialize handshake gate, params validation against each
 * method's schema (-32602 naming the path), and dispatch through the method table.
 */
export class MessageProcessor implements RpcHandler {
  constructor(
    private readonly session: ConnectionSession,
    private readonly services: AppServerServices,
    private readonly methods: ReadonlyMap<string, MethodDescriptor>,
  ) {}

  handleRequest(request: JsonRpcRequest, ctx: RequestContext): unknown {
    if (request.method === "initialize") {
      if (this.session.initialized) throw JsonRpcError.invalidRequest("Already initialized");
    } else if (!this.session.initialized) {
      throw JsonRpcError.invalidRequest("Not initialized");
    }
    const descriptor = this.methods.get(request.method);
    if (!descriptor) throw JsonRpcError.methodNotFound(request.method);
    if (!this.session.experimentalApi) {
      const field = experimentalFieldIn(request.method, request.params);
      if (field) {
        throw JsonRpcError.invalidParams(
          `Invalid params: ${field}: experimental; requires the experimentalApi capability in initialize`,
        );
      }
    }
    const parsed = descriptor.params.safeParse(request.params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw JsonRpcError.invalidParams(`Invalid params: ${formatIssuePath(issue.path)}: ${issue.message}`);
    }
    const { connection: _raw, ...requestContext } = ctx;
    return descriptor.handle(parsed.data, {
      session: this.session,
      services: this.services,
      request: requestContext,
    });
  }

  closed(): void {
    this.services.subscriptions.dropConnection(this.session);
  }

  handleNotification(method: string): void {
    if (method === "initialized") return;
    log.debug("ignoring unknown notification", { method, connection_id: this.session.id });
  }
}
