import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  startScriptedModelServer,
  type ModelScriptInput,
  type ScriptedModelServer,
} from "../../src/model-server/index.js";
import { APP_SERVER_METHODS } from "../../src/app-server/index.js";
import { SERVER_NOTIFICATIONS, SERVER_REQUESTS } from "../../src/protocol/index.js";
import { RpcConnection, StreamTransport } from "../../src/rpc/index.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../../src/otlp-receiver/index.js";
import { spawnSpool, type Spawned } from "./spawned-servers.js";

export const CLIENT = { clientInfo: { name: "spool_core_tests", title: null, version: "1.2.3" } };

export interface Notification {
  method: string;
  params: Record<string, unknown>;
}

/** A spawned `spool app-server` wired to a scripted model, with every frame it sent recorded. */
export interface CoreSession {
  server: Spawned;
  rpc: RpcConnection;
  model: ScriptedModelServer;
  home: string;
  traceRoot: string;
  notifications: Notification[];
  /** Server → client requests (approvals), in arrival order, with the id each was sent under. */
  serverRequests: (Notification & { id: string | number })[];
  /** Every frame, both directions, parsed (for schema checks). */
  frames: { dir: "in" | "out"; msg: Record<string, unknown> }[];
  /** Resolves with the first notification (past or future) matching `pred`. */
  waitFor(pred: (n: Notification) => boolean, timeoutMs?: number): Promise<Notification>;
  /** Closes stdin and waits for a clean exit. */
  stop(): Promise<number | null>;
}

export interface CoreSessionOptions {
  /** Reuse a model server (e.g. across a restart). */
  model?: ScriptedModelServer;
  script?: ModelScriptInput;
  home?: string;
  traceRoot?: string;
  /** Export spans to this receiver. */
  receiver?: OtlpReceiver;
  env?: NodeJS.ProcessEnv;
  /** Extra `-c` overrides. */
  config?: string[];
  /** Provider settings under `[model_providers.mock]`, as `-c` values. */
  provider?: Record<string, string | number | boolean>;
  /** Answers the server's requests (approvals); default `{}`. */
  onServerRequest?: (method: string, params: Record<string, unknown>) => unknown;
}

/** Starts the model (unless given) and an app-server using it as provider `mock`. */
export async function startCoreSession(options: CoreSessionOptions = {}): Promise<CoreSession> {
  const model =
    options.model ??
    (await startScriptedModelServer({
      script: options.script ?? { responses: [{ output: [{ type: "message", text: "hello" }] }] },
    }));
  const home = options.home ?? mkdtempSync(join(tmpdir(), "spool-core-home-"));
  const traceRoot = options.traceRoot ?? mkdtempSync(join(tmpdir(), "spool-core-traces-"));
  const provider = {
    base_url: model.url,
    request_max_retries: 0,
    stream_max_retries: 0,
    ...options.provider,
  };
  const args = ["app-server", "-c", 'model_provider="mock"', "-c", 'model="scripted-model"'];
  for (const [k, v] of Object.entries(provider)) {
    args.push("-c", `model_providers.mock.${k}=${typeof v === "string" ? JSON.stringify(v) : String(v)}`);
  }
  for (const c of options.config ?? []) args.push("-c", c);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SPOOL_HOME: home,
    SPOOL_ROLLOUT_TRACE_ROOT: traceRoot,
    SPOOL_LOG: "warn",
    ...(options.receiver
      ? {
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${options.receiver.url}/v1/traces`,
          OTEL_BSP_SCHEDULE_DELAY: "50",
        }
      : {}),
    ...options.env,
  };
  const server = spawnSpool(args, env);
  const notifications: Notification[] = [];
  const serverRequests: CoreSession["serverRequests"] = [];
  const frames: CoreSession["frames"] = [];
  const waiters = new Set<{ pred: (n: Notification) => boolean; resolve: (n: Notification) => void }>();
  const rpc = new RpcConnection(
    new StreamTransport(server.child.stdout, server.child.stdin, { kind: "stdio" }),
    {
      onFrame: (dir, frame) => frames.push({ dir, msg: JSON.parse(frame) as Record<string, unknown> }),
      handler: {
        handleRequest: (request) => {
          const params = (request.params ?? {}) as Record<string, unknown>;
          serverRequests.push({ id: request.id, method: request.method, params });
          return options.onServerRequest ? options.onServerRequest(request.method, params) : {};
        },
        handleNotification: (method, params) => {
          const n = { method, params: (params ?? {}) as Record<string, unknown> };
          notifications.push(n);
          for (const w of [...waiters]) {
            if (w.pred(n)) {
              waiters.delete(w);
              w.resolve(n);
            }
          }
        },
      },
    },
  ).start();
  const exited = server.exit.then((e) => e.code);
  return {
    server,
    rpc,
    model,
    home,
    traceRoot,
    notifications,
    serverRequests,
    frames,
    waitFor(pred, timeoutMs = 15_000) {
      const seen = notifications.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.add(w);
        setTimeout(() => {
          if (waiters.delete(w))
            reject(new Error(`timed out waiting for a notification; stderr:\n${server.stderr()}`));
        }, timeoutMs).unref();
      });
    },
    stop() {
      server.child.stdin.end();
      return exited;
    },
  };
}

/** initialize + initialized. */
export async function handshake(s: CoreSession, capabilities?: Record<string, unknown>): Promise<void> {
  await s.rpc.request("initialize", capabilities ? { ...CLIENT, capabilities } : CLIENT);
  s.rpc.notify("initialized");
}

export interface TurnResult {
  turnId: string;
  completed: Notification;
}

/** Starts a turn and waits for its `turn/completed`. */
export async function runTurn(
  s: CoreSession,
  threadId: string,
  text: string,
  trace?: { traceparent: string },
): Promise<TurnResult> {
  const r = await s.rpc.request<{ turn: { id: string } }>(
    "turn/start",
    { threadId, input: [{ type: "text", text }] },
    trace,
  );
  const completed = await s.waitFor(
    (n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id === r.turn.id,
  );
  return { turnId: r.turn.id, completed };
}

/** The one bundle directory under a trace root whose root thread is `threadId`. */
export function bundleOf(traceRoot: string, threadId: string): string {
  const dir = readdirSync(traceRoot).find((d) => d.endsWith(threadId));
  if (!dir)
    throw new Error(`no bundle for ${threadId} in ${traceRoot}: ${readdirSync(traceRoot).join(", ")}`);
  return join(traceRoot, dir);
}

/** The chain of span names from `span` up to its root, leaf first. */
export function ancestry(spans: readonly ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const out = [span];
  let cur = span;
  while (cur.parentSpanId && byId.has(cur.parentSpanId)) {
    cur = byId.get(cur.parentSpanId)!;
    out.push(cur);
  }
  return out;
}

export { startOtlpReceiver };

/**
 * Checks every frame of a session against Spool's zod schemas: requests' params and results by
 * the method table's descriptors, notifications by `SERVER_NOTIFICATIONS`, the server's own
 * requests by `SERVER_REQUESTS`. Returns the problems.
 */
export function schemaProblems(frames: CoreSession["frames"]): string[] {
  const problems: string[] = [];
  const methodOf = new Map<string, string>();
  for (const { dir, msg } of frames) {
    const method = msg.method as string | undefined;
    if (dir === "out" && method !== undefined && msg.id !== undefined) {
      methodOf.set(String(msg.id), method);
      const impl = APP_SERVER_METHODS.get(method);
      if (!impl) problems.push(`request ${method}: not in the method table`);
      else if (!impl.descriptor.params.safeParse(msg.params ?? {}).success)
        problems.push(`params of ${method}`);
    } else if (dir === "in" && method !== undefined && msg.id !== undefined) {
      const schema = SERVER_REQUESTS[method as keyof typeof SERVER_REQUESTS];
      if (!schema) problems.push(`server request ${method}: no schema`);
      else if (!schema.safeParse(msg.params).success) problems.push(`params of server request ${method}`);
    } else if (dir === "in" && method !== undefined) {
      const schema = SERVER_NOTIFICATIONS[method as keyof typeof SERVER_NOTIFICATIONS];
      if (!schema) problems.push(`notification ${method}: no schema`);
      else {
        const r = schema.safeParse(msg.params);
        if (!r.success)
          problems.push(
            `notification ${method}: ${r.error.issues[0]!.path.join(".")} ${r.error.issues[0]!.message}`,
          );
      }
    } else if (dir === "in" && "result" in msg) {
      const m = methodOf.get(String(msg.id));
      const impl = m ? APP_SERVER_METHODS.get(m) : undefined;
      if (!impl) problems.push(`result for unknown request ${String(msg.id)}`);
      else {
        const r = impl.descriptor.result.safeParse(msg.result);
        if (!r.success)
          problems.push(`result of ${m}: ${r.error.issues[0]!.path.join(".")} ${r.error.issues[0]!.message}`);
      }
    }
  }
  return problems;
}
