import type { LogFields } from "./log-types.js";
import { logger } from "./log.js";
import { MetricsError } from "./errors.js";
import {
  INFERENCE_DETAILS_EVENT as INFERENCE_EVENT,
  inferenceDetailsFields,
  toolCallContentFields,
} from "./genai-content.js";
import { recordInferenceMetrics, type InferenceRecord } from "./genai-inference.js";
import {
  METRIC,
  sanitizeMetricTagValue,
  type MetricTags,
  type MetricsClient,
  type MetricsTimer,
} from "./metrics-client.js";
import { LOG_ONLY_TARGET, TRACE_SAFE_TARGET } from "./targets.js";

const logOnly = logger(LOG_ONLY_TARGET);
const traceSafe = logger(TRACE_SAFE_TARGET);
const diag = logger("spool_otel::session_telemetry");

/** Shared metadata of one session/thread (spec/otel.md §4). */
export interface SessionTelemetryMetadata {
  conversationId: string;
  model: string;
  slug: string;
  accountId?: string;
  accountEmail?: string;
  authMode?: string;
  /** The connection's client identity (`initialize.clientInfo.name`). */
  originator: string;
  /** `thread/start.serviceName`: a session-scoped tag, distinct from `originator` and from the resource `service.name`. */
  serviceName?: string;
  appVersion: string;
  terminalType: string;
  sessionSource: string;
}

export interface SessionTelemetryOptions {
  /** `[otel] log_user_prompt`: raw prompt text on the log-only lane. */
  logUserPrompt?: boolean;
  metrics?: MetricsClient;
}

export type ToolDecision = "approved" | "approved_for_session" | "denied" | "abort";
export type ToolDecisionSource = "config" | "user";

function rfc3339Millis(): string {
  return new Date().toISOString();
}

function lines(text: string): number {
  if (text === "") return 0;
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/**
 * Business events of one thread, each emitted twice (spec/otel.md §3–4): every field on the
 * `codex_otel.log_only` lane (exported as OTel log records), and the safe subset — ids, names,
 * counts, durations, statuses — on the `codex_otel.trace_safe` lane (span events on the active
 * span). Prompt text, tool arguments and output, emails and error text never reach the trace lane.
 * Metric helpers merge the metadata tags; metric failures are logged and never thrown.
 */
export class SessionTelemetry {
  constructor(
    readonly metadata: SessionTelemetryMetadata,
    private readonly options: SessionTelemetryOptions = {},
  ) {}

  /** A copy for another model (same conversation, same metrics). */
  withModel(model: string, slug: string): SessionTelemetry {
    return new SessionTelemetry({ ...this.metadata, model, slug }, this.options);
  }

  /** A copy that records metrics through `client`, tagged with the session metadata. */
  withMetrics(client: MetricsClient): SessionTelemetry {
    return new SessionTelemetry(this.metadata, { ...this.options, metrics: client });
  }

  private common(eventName: string, lane: "log" | "trace"): LogFields {
    const m = this.metadata;
    const fields: LogFields = {
      "event.name": eventName,
      "event.timestamp": rfc3339Millis(),
      "conversation.id": m.conversationId,
      "app.version": m.appVersion,
      originator: m.originator,
      "terminal.type": m.terminalType,
      model: m.model,
      slug: m.slug,
    };
    if (m.serviceName !== undefined) fields.service_name = m.serviceName;
    if (m.authMode !== undefined) fields.auth_mode = m.authMode;
    if (m.accountId !== undefined) fields["user.account_id"] = m.accountId;
    if (lane === "log" && m.accountEmail !== undefined) fields["user.email"] = m.accountEmail;
    return fields;
  }

  private emit(eventName: string, rich: LogFields, safe: LogFields): void {
    if (logOnly.enabled("info"))
      logOnly.info(eventName, () => ({ ...this.common(eventName, "log"), ...rich }));
    if (traceSafe.enabled("info"))
      traceSafe.info(eventName, () => ({ ...this.common(eventName, "trace"), ...safe }));
  }

  conversationStarts(e: {
    providerName: string;
    reasoningEffort?: string;
    reasoningSummary: string;
    contextWindow?: number;
    maxOutputTokens?: number;
    autoCompactTokenLimit?: number;
    approvalPolicy: string;
    sandboxPolicy: string;
    mcpServers: string[];
    activeProfile?: string;
  }): void {
    const safe: LogFields = {
      provider_name: e.providerName,
      reasoning_effort: e.reasoningEffort,
      context_window: e.contextWindow,
      max_output_tokens: e.maxOutputTokens,
      approval_policy: e.approvalPolicy,
      sandbox_policy: e.sandboxPolicy,
      mcp_server_count: e.mcpServers.length,
    };
    this.emit(
      "codex.conversation_starts",
      {
        ...safe,
        mcp_server_count: undefined,
        reasoning_summary: e.reasoningSummary,
        auto_compact_token_limit: e.autoCompactTokenLimit,
        mcp_servers: e.mcpServers.join(","),
        active_profile: e.activeProfile,
      },
      safe,
    );
  }

  apiRequest(e: {
    attempt: number;
    durationMs: number;
    statusCode?: number;
    error?: string;
    endpoint?: string;
  }): void {
    const success = e.error === undefined && (e.statusCode === undefined || e.statusCode < 400);
    const safe: LogFields = {
      attempt: e.attempt,
      duration_ms: Math.floor(e.durationMs),
      "http.response.status_code": e.statusCode,
      success,
      endpoint: e.endpoint,
    };
    this.emit("codex.api_request", { ...safe, "error.message": e.error }, safe);
    const tags = { status: String(e.statusCode ?? "none"), success: String(success) };
    this.safely(
      () => this.options.metrics?.counter(METRIC.API_REQUEST, 1, this.tags(tags)),
      METRIC.API_REQUEST,
    );
    this.safely(
      () => this.options.metrics?.recordDuration(METRIC.API_REQUEST_DURATION, e.durationMs, this.tags(tags)),
      METRIC.API_REQUEST_DURATION,
    );
  }

  sseEvent(e: {
    kind: string;
    durationMs: number;
    error?: string;
    inputTokenCount?: number;
    outputTokenCount?: number;
    cachedTokenCount?: number;
    reasoningTokenCount?: number;
    toolTokenCount?: number;
  }): void {
    const safe: LogFields = {
      "event.kind": e.kind,
      duration_ms: Math.floor(e.durationMs),
      success: e.error === undefined,
      input_token_count: e.inputTokenCount,
      output_token_count: e.outputTokenCount,
      cached_token_count: e.cachedTokenCount,
      reasoning_token_count: e.reasoningTokenCount,
      tool_token_count: e.toolTokenCount,
    };
    this.emit("codex.sse_event", { ...safe, "error.message": e.error }, safe);
    const tags = { kind: sanitizeMetricTagValue(e.kind), success: String(e.error === undefined) };
    this.safely(() => this.options.metrics?.counter(METRIC.SSE_EVENT, 1, this.tags(tags)), METRIC.SSE_EVENT);
    this.safely(
      () => this.options.metrics?.recordDuration(METRIC.SSE_EVENT_DURATION, e.durationMs, this.tags(tags)),
      METRIC.SSE_EVENT_DURATION,
    );
  }

  websocketRequest(e: { durationMs: number; success: boolean; error?: string }): void {
    const safe: LogFields = { duration_ms: Math.floor(e.durationMs), success: e.success };
    this.emit("codex.websocket_request", { ...safe, "error.message": e.error }, safe);
  }

  websocketEvent(e: { kind: string; durationMs: number; success: boolean; error?: string }): void {
    const safe: LogFields = {
      "event.kind": e.kind,
      duration_ms: Math.floor(e.durationMs),
      success: e.success,
    };
    this.emit("codex.websocket_event", { ...safe, "error.message": e.error }, safe);
  }

  /** `prompt` is `[REDACTED]` unless `log_user_prompt`; the trace lane gets counts only. */
  userPrompt(e: {
    text: string;
    textInputCount?: number;
    imageInputCount?: number;
    localImageInputCount?: number;
  }): void {
    const safe: LogFields = {
      prompt_length: e.text.length,
      text_input_count: e.textInputCount,
      image_input_count: e.imageInputCount,
      local_image_input_count: e.localImageInputCount,
    };
    this.emit(
      "codex.user_prompt",
      { ...safe, prompt: this.options.logUserPrompt ? e.text : "[REDACTED]" },
      safe,
    );
  }

  toolDecision(e: {
    toolName: string;
    callId: string;
    decision: ToolDecision;
    source: ToolDecisionSource;
  }): void {
    const fields: LogFields = {
      tool_name: e.toolName,
      call_id: e.callId,
      decision: e.decision,
      source: e.source,
    };
    this.emit("codex.tool_decision", fields, fields);
  }

  toolResult(e: {
    toolName: string;
    callId?: string;
    arguments?: string;
    durationMs: number;
    success: boolean;
    output: string;
    outputTruncated?: boolean;
  }): void {
    const safe: LogFields = {
      tool_name: e.toolName,
      call_id: e.callId,
      duration_ms: Math.floor(e.durationMs),
      success: e.success ? "true" : "false",
      arguments_length: e.arguments?.length,
      output_length: e.output.length,
      output_line_count: lines(e.output),
      output_truncated: e.outputTruncated,
    };
    this.emit(
      "codex.tool_result",
      {
        tool_name: e.toolName,
        call_id: e.callId,
        arguments: e.arguments,
        duration_ms: Math.floor(e.durationMs),
        success: e.success ? "true" : "false",
        output: e.output,
        output_truncated: e.outputTruncated,
        ...(this.options.logUserPrompt ? toolCallContentFields(e.arguments, e.output) : {}),
      },
      safe,
    );
    const tags = { tool: sanitizeMetricTagValue(e.toolName), success: String(e.success) };
    this.safely(() => this.options.metrics?.counter(METRIC.TOOL_CALL, 1, this.tags(tags)), METRIC.TOOL_CALL);
    this.safely(
      () => this.options.metrics?.recordDuration(METRIC.TOOL_CALL_DURATION, e.durationMs, this.tags(tags)),
      METRIC.TOOL_CALL_DURATION,
    );
  }

  /**
   * One model call in GenAI terms: records the `gen_ai.client.*` histograms (with the
   * conventions' attributes only, not the session tags) and, when `log_user_prompt` opts in, the
   * `gen_ai.client.inference.operation.details` event with the messages on the log-only lane.
   * Nothing goes to the trace lane: the model client puts the attributes on its own span.
   */
  inference(record: InferenceRecord): void {
    const metrics = this.options.metrics;
    if (metrics) this.safely(() => recordInferenceMetrics(metrics, record), "gen_ai.client");
    const content = record.content;
    if (this.options.logUserPrompt && content && logOnly.enabled("info")) {
      logOnly.info(INFERENCE_EVENT, () => ({
        ...this.common(INFERENCE_EVENT, "log"),
        ...inferenceDetailsFields(record, content()),
      }));
    }
  }

  turnTtft(durationMs: number): void {
    const fields: LogFields = { duration_ms: Math.floor(durationMs) };
    this.emit("codex.turn_ttft", fields, fields);
    this.safely(
      () => this.options.metrics?.recordDuration(METRIC.TURN_TTFT_DURATION, durationMs, this.tags({})),
      METRIC.TURN_TTFT_DURATION,
    );
  }

  /** Metadata tags (`auth_mode`, `originator`, `model`, `app.version`, `service_name`) under `tags`. */
  private tags(tags: MetricTags): MetricTags {
    const m = this.metadata;
    const out: MetricTags = {
      originator: sanitizeMetricTagValue(m.originator),
      model: sanitizeMetricTagValue(m.model),
      "app.version": sanitizeMetricTagValue(m.appVersion),
    };
    if (m.authMode !== undefined) out.auth_mode = sanitizeMetricTagValue(m.authMode);
    if (m.serviceName !== undefined) out.service_name = sanitizeMetricTagValue(m.serviceName);
    return { ...out, ...tags };
  }

  private safely(fn: () => void, name: string): void {
    try {
      fn();
    } catch (err) {
      diag.warn(`metrics [${name}] failed: ${(err as Error).message}`);
    }
  }

  counter(name: string, inc = 1, tags: MetricTags = {}): void {
    this.safely(() => this.options.metrics?.counter(name, inc, this.tags(tags)), name);
  }

  histogram(name: string, value: number, tags: MetricTags = {}): void {
    this.safely(() => this.options.metrics?.histogram(name, value, this.tags(tags)), name);
  }

  recordDuration(name: string, durationMs: number, tags: MetricTags = {}): void {
    this.safely(() => this.options.metrics?.recordDuration(name, durationMs, this.tags(tags)), name);
  }

  /** A timer recording into `name`; throws `MetricsError` (ExporterDisabled) when no metrics. */
  startTimer(name: string, tags: MetricTags = {}): MetricsTimer {
    if (!this.options.metrics) throw new MetricsError("metrics exporter disabled");
    return this.options.metrics.startTimer(name, this.tags(tags));
  }

  /** Flushes and shuts down the metrics client; never throws. */
  async shutdownMetrics(): Promise<void> {
    try {
      await this.options.metrics?.shutdown();
    } catch (err) {
      diag.warn(`metrics shutdown failed: ${(err as Error).message}`);
    }
  }
}
