export { ConnectionError, InvalidResultError, JsonRpcError } from "./errors.js";
export { MethodDispatcher, MethodTable, defineMethod, implement } from "./method-table.js";
export type {
  DispatcherOptions,
  MethodDescriptor,
  MethodHandler,
  MethodImplementation,
  MethodParams,
  MethodParamsInput,
  MethodResult,
  MethodTableOptions,
} from "./method-table.js";
export { RpcConnection } from "./connection.js";
export type { RequestContext, RpcConnectionOptions, RpcHandler } from "./connection.js";
export { createRequestTracer } from "./request-span.js";
export type {
  RequestAttributesFn,
  RequestSpanAttributes,
  RequestSpanHandle,
  RequestTracer,
} from "./request-span.js";
export { DEFAULT_MAX_FRAME_BYTES } from "./transport.js";
export { DEFAULT_MAX_OUTBOUND_BYTES, DEFAULT_OUTBOUND_STALL_MS } from "./outbound-gate.js";
export type { OutboundLimits } from "./outbound-gate.js";
export type { Transport, TransportHandlers, TransportKind } from "./transport.js";
export { createInProcessTransportPair } from "./in-process-transport.js";
export { StreamTransport } from "./stdio-transport.js";
export type { StreamTransportOptions } from "./stdio-transport.js";
export { WebSocketTransport } from "./websocket-transport.js";
export { ListenError, listenWebSocket } from "./websocket-server.js";
export type { WebSocketListenOptions, WebSocketListener } from "./websocket-server.js";
