import { randomUUID } from "node:crypto";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import type { z } from "zod";
import {
  ErrorCode,
  ExecInitializeParamsSchema,
  ExecMethod,
  ProcessReadParamsSchema,
  ProcessSignalParamsSchema,
  ProcessStartParamsSchema,
  ProcessTerminateParamsSchema,
  ProcessWriteParamsSchema,
  type EnvironmentInfoResponse,
  type JsonRpcRequest,
} from "../protocol/index.js";
import {
  JsonRpcError,
  RpcConnection,
  createRequestTracer,
  type RpcHandler,
  type Transport,
} from "../rpc/index.js";
import { logger } from "../telemetry/index.js";
import { ProcessSession, type ExecServerOptions } from "./process-session.js";
import { requestCompleted, requestStarted } from "./telemetry.js";

/** Requests one connection handles at once; each is cheap, a parked long-poll costs nothing. */
const MAX_CONCURRENT_REQUESTS = 1024;

/** `rpc.service` on every exec-server request span. */
export const EXEC_SERVER_RPC_SERVICE = "exec_server";

const log = logger("spool_exec_server::connection");
let connectionCounter = 0;

function parse<S extends z.ZodType>(schema: S, params: unknown): z.infer<S> {
  const r = schema.safeParse(params);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw JsonRpcError.invalidParams(`Invalid params: ${issue.path.join(".") || "params"}: ${issue.message}`);
}

function environmentInfo(): EnvironmentInfoResponse {
  const shell = process.env.SHELL && process.env.SHELL !== "" ? process.env.SHELL : "/bin/sh";
  return { shell: { name: basename(shell), path: shell }, cwd: pathToFileURL(process.cwd()).href };
}

/** Handle on one served exec-server connection. */
export interface ExecServerConnection {
  readonly connection: RpcConnection;
  readonly session: ProcessSession;
}

/**
 * Serves the exec-server protocol on one transport: `initialize` first, then the process
 * methods. Requests run inside request spans from `rpc/`'s factory and each produces a
 * `codex.exec_server_request` event; closing the transport kills every process it started.
 */
export function serveExecConnection(
  transport: Transport,
  options: ExecServerOptions = {},
): ExecServerConnection {
  const connectionId = String(++connectionCounter);
  let sessionId: string | undefined;
  const session = new ProcessSession(
    {
      notify: (method, params) => connection.notify(method, params),
      bufferedBytes: () => connection.bufferedOutboundBytes,
    },
    options,
  );

  const dispatch = async (request: JsonRpcRequest): Promise<unknown> => {
    const params = request.params;
    if (request.method === ExecMethod.Initialize) {
      if (sessionId !== undefined) throw JsonRpcError.invalidRequest("Already initialized");
      const init = parse(ExecInitializeParamsSchema, params);
      if (init.resumeSessionId) {
        throw JsonRpcError.invalidParams(
          "resumeSessionId is not supported: Spool exec-server sessions end with their connection",
        );
      }
      sessionId = randomUUID();
      log.debug("exec-server session initialized", {
        client_name: init.clientName,
        connection_id: connectionId,
      });
      return { sessionId };
    }
    if (sessionId === undefined) throw JsonRpcError.invalidRequest("Not initialized");
    switch (request.method) {
      case ExecMethod.ProcessStart:
        return session.start(parse(ProcessStartParamsSchema, params));
      case ExecMethod.ProcessRead:
        return session.read(parse(ProcessReadParamsSchema, params));
      case ExecMethod.ProcessWrite:
        return session.write(parse(ProcessWriteParamsSchema, params));
      case ExecMethod.ProcessSignal:
        return session.signal(parse(ProcessSignalParamsSchema, params));
      case ExecMethod.ProcessTerminate:
        return session.terminate(parse(ProcessTerminateParamsSchema, params));
      case ExecMethod.EnvironmentInfo:
        return environmentInfo();
      default:
        throw JsonRpcError.methodNotFound(request.method);
    }
  };

  const handler: RpcHandler = {
    async handleRequest(request) {
      const timing = requestStarted(request);
      try {
        const result = await dispatch(request);
        requestCompleted(timing, "success");
        return result;
      } catch (err) {
        requestCompleted(timing, "error");
        throw err;
      }
    },
    handleNotification(method) {
      if (method === ExecMethod.Initialized) return;
      // Codex answers a stray notification with an error carrying id -1.
      transport.send(
        JSON.stringify({
          id: -1,
          error: { code: ErrorCode.InvalidRequest, message: `unexpected notification: ${method}` },
        }),
      );
    },
    closed() {
      log.debug("exec-server connection stopped", { transport: transport.kind, connection_id: connectionId });
      session.shutdown();
    },
  };

  const tracer = createRequestTracer(
    transport.kind,
    () => ({
      "rpc.service": EXEC_SERVER_RPC_SERVICE,
      "exec_server.connection_id": connectionId,
    }),
    { spanName: "exec_server.request" },
  );
  // Long-poll reads must not hold up writes and terminates on the same connection: requests run
  // concurrently up to the ingress queue's own bound, so only that many parked reads could.
  const connection = new RpcConnection(transport, {
    handler,
    tracer,
    id: connectionId,
    maxConcurrentRequests: MAX_CONCURRENT_REQUESTS,
  });
  log.debug("exec-server connection started", { transport: transport.kind, connection_id: connectionId });
  connection.start();
  return { connection, session };
}
