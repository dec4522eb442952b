import type { Attributes } from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from "@opentelemetry/semantic-conventions/incubating";
import type { InferenceContent } from "./genai-content.js";
import type { HistogramInstrument } from "./metrics-client.js";

/**
 * One model call (one attempt of the model client) described the way the OpenTelemetry GenAI
 * conventions describe a `chat` operation: the attributes of its span and its metric points.
 * Values here are plain; the semantic-convention keys are applied by the functions below.
 */

/** What is known when the call starts. */
export interface InferenceRequest {
  /** `gen_ai.provider.name`: see `genAiProviderName`. */
  providerName: string;
  requestModel: string;
  stream: boolean;
  /** The thread id, when the caller gives one. */
  conversationId?: string;
  serverAddress: string;
  serverPort: number;
}

export interface InferenceUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  reasoningOutputTokens: number;
}

/** What is known when the call ends. */
export interface InferenceResult {
  /** The Responses API `response.id`; set only when the call completed. */
  responseId?: string;
  responseModel?: string;
  finishReasons?: string[];
  usage?: InferenceUsage;
  /** Set exactly when the call did not complete (a low-cardinality class, never error text). */
  errorType?: string;
  durationS: number;
  /** Seconds from sending the request to the first event of the response stream. */
  timeToFirstChunkS?: number;
}

/** What the model client reports per call (`ModelClientTelemetry.inference`). */
export interface InferenceRecord {
  request: InferenceRequest;
  result: InferenceResult;
  /**
   * The call's messages in the conventions' JSON shape, built only when a sink wants them (the
   * opt-in log-only event). Absent when the client has nothing to show (e.g. no request body).
   */
  content?: () => InferenceContent;
}

/** `openai` for the built-in OpenAI provider, the provider's id otherwise. */
export function genAiProviderName(providerId: string): string {
  return providerId === "openai" ? GEN_AI_PROVIDER_NAME_VALUE_OPENAI : providerId;
}

/** Attributes of the call's span at start (also the basis of its metric attributes). */
export function inferenceRequestAttributes(req: InferenceRequest): Attributes {
  const out: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: req.providerName,
    [ATTR_GEN_AI_REQUEST_MODEL]: req.requestModel,
    [ATTR_GEN_AI_REQUEST_STREAM]: req.stream,
    [ATTR_SERVER_ADDRESS]: req.serverAddress,
    [ATTR_SERVER_PORT]: req.serverPort,
  };
  if (req.conversationId !== undefined) out[ATTR_GEN_AI_CONVERSATION_ID] = req.conversationId;
  return out;
}

/** Attributes set on the call's span when it ends. */
export function inferenceResultAttributes(res: InferenceResult): Attributes {
  const out: Attributes = {};
  if (res.responseId !== undefined) out[ATTR_GEN_AI_RESPONSE_ID] = res.responseId;
  if (res.responseModel !== undefined) out[ATTR_GEN_AI_RESPONSE_MODEL] = res.responseModel;
  if (res.finishReasons !== undefined) out[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = res.finishReasons;
  if (res.usage) {
    out[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = res.usage.inputTokens;
    out[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = res.usage.outputTokens;
    out[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = res.usage.cacheReadInputTokens;
    out[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = res.usage.reasoningOutputTokens;
  }
  if (res.timeToFirstChunkS !== undefined)
    out[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = res.timeToFirstChunkS;
  if (res.errorType !== undefined) out[ATTR_ERROR_TYPE] = res.errorType;
  return out;
}

/** The conventions' duration buckets (seconds), shared by both duration histograms. */
const DURATION_BUCKETS_S = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/** The GenAI client histograms, with the units and bucket boundaries the conventions give. */
export const GENAI_METRICS = {
  tokenUsage: {
    name: METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
    unit: "{token}",
    description: "Number of input and output tokens used.",
    valueType: "int",
    boundaries: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
  },
  operationDuration: {
    name: METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
    unit: "s",
    description: "GenAI operation duration.",
    valueType: "double",
    boundaries: DURATION_BUCKETS_S,
  },
  timeToFirstChunk: {
    name: METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
    unit: "s",
    description: "Time to receive the first chunk of a streaming response.",
    valueType: "double",
    boundaries: DURATION_BUCKETS_S,
  },
} as const satisfies Record<string, HistogramInstrument>;

/** Where the GenAI histograms are recorded (a `MetricsClient`). */
export interface GenAiMetricsSink {
  recordHistogram(instrument: HistogramInstrument, value: number, attributes: Attributes): void;
}

/**
 * Records the call's metric points: `gen_ai.client.operation.duration` always,
 * `gen_ai.client.operation.time_to_first_chunk` when a chunk arrived on a streaming call, and
 * `gen_ai.client.token.usage` (input and output) when the provider reported usage. Each carries
 * the attributes the conventions list for it.
 */
export function recordInferenceMetrics(sink: GenAiMetricsSink, record: InferenceRecord): void {
  const { request: req, result: res } = record;
  const attrs: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: req.providerName,
    [ATTR_GEN_AI_REQUEST_MODEL]: req.requestModel,
    [ATTR_SERVER_ADDRESS]: req.serverAddress,
    [ATTR_SERVER_PORT]: req.serverPort,
  };
  if (res.responseModel !== undefined) attrs[ATTR_GEN_AI_RESPONSE_MODEL] = res.responseModel;
  // The conventions give `error.type` to the duration histogram only.
  sink.recordHistogram(
    GENAI_METRICS.operationDuration,
    res.durationS,
    res.errorType === undefined ? attrs : { ...attrs, [ATTR_ERROR_TYPE]: res.errorType },
  );
  if (req.stream && res.timeToFirstChunkS !== undefined) {
    sink.recordHistogram(GENAI_METRICS.timeToFirstChunk, res.timeToFirstChunkS, attrs);
  }
  if (res.usage) {
    sink.recordHistogram(GENAI_METRICS.tokenUsage, res.usage.inputTokens, {
      ...attrs,
      [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT,
    });
    sink.recordHistogram(GENAI_METRICS.tokenUsage, res.usage.outputTokens, {
      ...attrs,
      [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
    });
  }
}
