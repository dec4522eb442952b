import { randomUUID } from "node:crypto";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import { ExecMethod, type EnvironmentInfoResponse } from "../protocol/index.js";
import {
  JsonRpcError,
  MethodTable,
  RpcConnection,
  createRequestTracer,
  implement,
  type RpcHandler,
  type Transport,
} from "../rpc/index.js";
import { logger, type Logger } from "../telemetry/index.js";
import {
  environmentInfo,
  execInitialize,
  processRead,
  processSignal,
  processStart,
  processTerminate,
  processWrite,
} from "./methods.js";
import type { ExecServerOptions } from "./process-options.js";
import { ProcessSession } from "./process-session.js";
import { requestCompleted, requestStarted } from "./telemetry.js";

/** Requests one connection handles at once; each is cheap, a parked long-poll costs nothing. */
const MAX_CONCURRENT_REQUESTS = 1024;

/** `rpc.service` on every exec-server request span. */
export const EXEC_SERVER_RPC_SERVICE = "exec_server";

const baseLog = logger("spool_exec_server::connection");
let connectionCounter = 0;

function currentEnvironment(): EnvironmentInfoResponse {
  const shell = process.env.SHELL && process.env.SHELL !== "" ? process.env.SHELL : "/bin/sh";
  return { shell: { name: basename(shell), path: shell }, cwd: pathToFileURL(process.cwd()).href };
}

interface ExecHandlerContext {
  session: ProcessSession;
  log: Logger;
}

/** The exec-server's surface: `initialize` first, then the process methods. */
const EXEC_SERVER_METHODS = new MethodTable<ExecHandlerContext>(
  [
    implement(execInitialize, (params, { log }) => {
      if (params.resumeSessionId) {
        throw JsonRpcError.invalidParams(
          "resumeSessionId is not supported: Spool exec-server sessions end with their connection",
        );
      }
      log.debug("exec-server session initialized", { client_name: params.clientName });
      return { sessionId: randomUUID() };
    }),
    implement(processStart, (params, { session }) => session.start(params)),
    implement(processRead, (params, { session }) => session.read(params)),
    implement(processWrite, (params, { session }) => session.write(params)),
    implement(processSignal, (params, { session }) => session.signal(params)),
    implement(processTerminate, (params, { session }) => session.terminate(params)),
    implement(environmentInfo, () => currentEnvironment()),
  ],
  { initialize: ExecMethod.Initialize },
);

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
  const log = baseLog.child({ connection_id: connectionId, transport: transport.kind });
  const session = new ProcessSession(
    {
      notify: (method, params) => connection.notify(method, params),
      bufferedBytes: () => connection.bufferedOutboundBytes,
    },
    options,
  );
  const dispatcher = EXEC_SERVER_METHODS.dispatcher();
  const context: ExecHandlerContext = { session, log };

  const handler: RpcHandler = {
    async handleRequest(request) {
      const timing = requestStarted(request);
      try {
        const result = await dispatcher.dispatch(request, context);
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
      connection.sendError(-1, JsonRpcError.invalidRequest(`unexpected notification: ${method}`));
    },
    closed() {
      log.debug("exec-server connection stopped");
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
  log.debug("exec-server connection started");
  connection.start();
  return { connection, session };
}
