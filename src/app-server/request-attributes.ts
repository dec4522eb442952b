import { InitializeParamsSchema, type JsonRpcRequest } from "../protocol/index.js";
import type { RequestSpanAttributes } from "../rpc/index.js";
import type { ConnectionSession } from "./session.js";

/**
 * The app-server's attributes for the standard request span (tracing.md §4). For `initialize`
 * the client identity is read from its params (a failed parse is silent: the real decode
 * produces the protocol error); afterwards it comes from the connection's session.
 */
export function appServerRequestAttributes(
  session: ConnectionSession,
  request: JsonRpcRequest,
): RequestSpanAttributes {
  const attrs: RequestSpanAttributes = {
    "app_server.connection_id": session.id,
    "app_server.api_version": "v2",
  };
  let name = session.clientName;
  let version = session.clientVersion;
  if (request.method === "initialize") {
    const parsed = InitializeParamsSchema.safeParse(request.params);
    if (parsed.success) {
      name = parsed.data.clientInfo.name;
      version = parsed.data.clientInfo.version;
    }
  }
  if (name !== undefined) attrs["app_server.client_name"] = name;
  if (version !== undefined) attrs["app_server.client_version"] = version;
  return attrs;
}
