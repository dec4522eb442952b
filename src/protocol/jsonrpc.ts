import { z } from "zod";

/** JSON-RPC request id: an integer or a string (Codex `RequestId`). */
export const RequestIdSchema = z.union([z.string(), z.number().int()]);
export type RequestId = z.infer<typeof RequestIdSchema>;

/**
 * W3C trace carrier on an inbound request. Codex omits absent members when it writes one and
 * accepts `null` when it reads one, so the schema takes both.
 */
export const W3cTraceContextSchema = z.object({
  traceparent: z.string().nullish(),
  tracestate: z.string().nullish(),
});
/** Outbound carriers never carry `null`: absent members are omitted. */
export interface W3cTraceContext {
  traceparent?: string;
  tracestate?: string;
}

export const JsonRpcRequestSchema = z.object({
  jsonrpc: z.literal("2.0").optional(),
  id: RequestIdSchema,
  method: z.string(),
  params: z.unknown().optional(),
  trace: W3cTraceContextSchema.nullish(),
});
export type JsonRpcRequest = z.infer<typeof JsonRpcRequestSchema>;

export const JsonRpcNotificationSchema = z.object({
  jsonrpc: z.literal("2.0").optional(),
  method: z.string(),
  params: z.unknown().optional(),
});
export type JsonRpcNotification = z.infer<typeof JsonRpcNotificationSchema>;

export const JsonRpcErrorObjectSchema = z.object({
  code: z.number().int(),
  message: z.string(),
  data: z.unknown().optional(),
});
export type JsonRpcErrorObject = z.infer<typeof JsonRpcErrorObjectSchema>;

export const JsonRpcResponseSchema = z.object({
  jsonrpc: z.literal("2.0").optional(),
  id: RequestIdSchema,
  result: z.unknown(),
});
export type JsonRpcResponse = z.infer<typeof JsonRpcResponseSchema>;

export const JsonRpcErrorResponseSchema = z.object({
  jsonrpc: z.literal("2.0").optional(),
  // JSON-RPC 2.0 answers a frame whose id cannot be read with `id: null`.
  id: RequestIdSchema.nullable(),
  error: JsonRpcErrorObjectSchema,
});
export type JsonRpcErrorResponse = z.infer<typeof JsonRpcErrorResponseSchema>;

/** Reserved JSON-RPC codes plus Codex's retryable overload code. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ServerOverloaded: -32001,
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Renders a request id the way Codex displays it in span attributes (`7`, `"abc"` → `abc`). */
export function displayRequestId(id: RequestId | null): string {
  return id === null ? "null" : String(id);
}
