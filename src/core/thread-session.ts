import { ModelClient, sessionModelTelemetry } from "../model-client/index.js";
import type { DynamicToolSpec } from "../protocol/index.js";
import {
  resolveRolloutTraceRoot,
  startRolloutRecorder,
  type SessionMetadataPayload,
} from "../rollout-trace/index.js";
import { METRIC, SPOOL_VERSION, SessionTelemetry, withSpan } from "../telemetry/index.js";
import { NO_HISTORY, type HistoryLineType } from "./history-sink.js";
import { baseInstructionsItem, initialContextItems } from "./prompt.js";
import { approvalPolicyName, sandboxPolicyName, type ThreadSettings } from "./settings.js";
import { CoreThread, type ThreadMeta, type ThreadState } from "./thread.js";
import { providerOf } from "./thread-settings.js";
import type { ThreadManagerOptions } from "./thread-manager.js";
import type { ToolRouter } from "./tools.js";
import { DynamicToolRouter } from "./tools/dynamic.js";

/** How a thread is loaded: fresh, resumed, forked; the tools its client registered. */
export interface LoadHow {
  lazy: boolean;
  resumed?: boolean;
  forkedHistory?: boolean;
  repair?: [HistoryLineType, unknown][];
  /** `thread/start.dynamicTools` (not kept in the history: a resumed thread has none). */
  dynamicTools?: DynamicToolSpec[];
}

/** What a session is built from: the manager's options, and where the built thread is registered. */
export interface SessionDeps {
  options: ThreadManagerOptions;
  env: NodeJS.ProcessEnv;
  tools: ToolRouter;
  /** Called as soon as the thread exists, before telemetry and prewarm start. */
  register(thread: CoreThread): void;
}

/** Builds the live session of a thread inside `session_init` (Codex's span for it). */
export function loadThread(
  deps: SessionDeps,
  meta: ThreadMeta,
  settings: ThreadSettings,
  state: ThreadState,
  how: LoadHow,
): CoreThread {
  return withSpan("session_init", { "thread.id": meta.id }, () =>
    buildSession(deps, meta, settings, state, how),
  );
}

/** The live session of a thread: telemetry, model client, rollout recording, history sink. */
function buildSession(
  deps: SessionDeps,
  meta: ThreadMeta,
  settings: ThreadSettings,
  state: ThreadState,
  how: LoadHow,
): CoreThread {
  const provider = providerOf(deps.options.providers, settings.modelProvider);
  const otel = deps.options.config.config.otel as { log_user_prompt?: boolean } | undefined;
  let telemetry = new SessionTelemetry(
    {
      conversationId: meta.id,
      model: settings.model,
      slug: settings.model,
      originator: meta.originator ?? "unknown",
      serviceName: meta.serviceName ?? undefined,
      appVersion: SPOOL_VERSION,
      terminalType: "unknown",
      sessionSource: typeof meta.source === "string" ? meta.source : "custom",
    },
    { logUserPrompt: otel?.log_user_prompt ?? false },
  );
  if (deps.options.metrics) telemetry = telemetry.withMetrics(deps.options.metrics);
  const client = new ModelClient({
    provider,
    telemetry: sessionModelTelemetry(telemetry),
    sessionId: meta.id,
    env: deps.env,
  });
  const traceConfig = deps.options.config.config.rollout_trace;
  const recorder = startRolloutRecorder({
    root: resolveRolloutTraceRoot(traceConfig?.root, deps.env),
    rootThreadId: meta.id,
    schema: traceConfig?.schema,
    maxPayloadBytes: traceConfig?.max_payload_bytes,
    maxBytes: traceConfig?.max_bytes,
  });
  const sessionMetadata = (): SessionMetadataPayload => ({
    thread_id: meta.id,
    agent_path: "/root",
    task_name: null,
    nickname: null,
    agent_role: null,
    session_source: meta.source,
    cwd: settings.cwd,
    rollout_path: meta.path,
    model: settings.model,
    provider_name: provider.id,
    approval_policy: approvalPolicyName(settings.approvalPolicy),
    sandbox_policy: sandboxPolicyName(settings.sandbox),
  });
  const rollout = withSpan("rollout_trace.start_thread", {}, () =>
    recorder.startThread({ threadId: meta.id, agentPath: "/root", metadata: sessionMetadata }),
  );
  recorder.protocolEvent("session_configured", () => ({
    type: "session_configured",
    session_id: meta.id,
    thread_id: meta.id,
    model: settings.model,
    model_provider_id: provider.id,
    approval_policy: approvalPolicyName(settings.approvalPolicy),
    approvals_reviewer: settings.approvalsReviewer,
    cwd: settings.cwd,
    rollout_path: meta.path,
    ...(meta.forkedFromId ? { forked_from_id: meta.forkedFromId } : {}),
    ...(how.resumed ? { resumed: true } : {}),
  }));
  const store = deps.options.store;
  const history =
    meta.ephemeral || !store
      ? NO_HISTORY
      : store.sink(
          meta,
          settings,
          how.resumed
            ? { kind: "append", repair: how.repair }
            : how.forkedHistory
              ? { kind: "copy", state }
              : { kind: "lazy" },
        );
  const thread = new CoreThread(meta, settings, state, {
    client,
    tools: how.dynamicTools?.length ? new DynamicToolRouter(deps.tools, how.dynamicTools) : deps.tools,
    telemetry,
    recorder,
    rollout,
    history,
    onTurnEnded: (t) => {
      if (!t.meta.ephemeral) store?.update(t.meta, t.settings);
    },
  });
  deps.register(thread);
  telemetry.conversationStarts({
    providerName: provider.id,
    reasoningEffort: settings.reasoningEffort ?? undefined,
    reasoningSummary: settings.reasoningSummary,
    approvalPolicy: approvalPolicyName(settings.approvalPolicy),
    sandboxPolicy: sandboxPolicyName(settings.sandbox),
    mcpServers: [],
  });
  if (!how.resumed) telemetry.counter(METRIC.THREAD_STARTED, 1, { source: "app_server" });
  if (provider.supportsWebsockets)
    client.startPrewarm({
      model: settings.model,
      input: [
        baseInstructionsItem(settings),
        ...(state.hasContext ? state.history : initialContextItems(settings)),
      ],
      store: false,
    });
  return thread;
}
