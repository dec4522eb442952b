import { SpanKind, context, type Attributes, type Span } from "@opentelemetry/api";
import type { ModelProvider } from "../config/index.js";
import {
  genAiProviderName,
  inferenceResultAttributes,
  startSpan,
  type InferenceRecord,
  type InferenceRequest,
} from "../telemetry/index.js";
import type { AttemptResult } from "./attempt.js";
import { attemptOutput, inferenceContent, inferenceResult, type InferenceWatch } from "./genai.js";
import { API_PATH, serverOf } from "./provider-request.js";
import type { ResponsesRequestBody } from "./request.js";
import type { ModelTransport } from "./response-stream.js";
import type { ModelClientTelemetry } from "./telemetry.js";
import type { ResponseItem } from "./wire-events.js";

/**
 * The telemetry of one upstream attempt: its CLIENT span `responses.stream_request` and, when
 * GenAI conventions are on, the `chat` operation it is reported as once it ends.
 */
export class AttemptSpans {
  private readonly serverAddress: string;
  private readonly serverPort: number;

  constructor(
    private readonly provider: ModelProvider,
    private readonly telemetry: ModelClientTelemetry,
    private readonly genAi: boolean,
    private readonly conversationId: string | undefined,
  ) {
    const server = serverOf(provider);
    this.serverAddress = server.address;
    this.serverPort = server.port;
  }

  /** The GenAI description of a request, or `undefined` when GenAI telemetry is off. */
  inferenceRequest(model: string, conversationId: string | undefined): InferenceRequest | undefined {
    if (!this.genAi) return undefined;
    const req: InferenceRequest = {
      providerName: genAiProviderName(this.provider.id),
      requestModel: model,
      stream: true,
      serverAddress: this.serverAddress,
      serverPort: this.serverPort,
    };
    const id = conversationId ?? this.conversationId;
    if (id !== undefined) req.conversationId = id;
    return req;
  }

  reportInference(
    span: Span,
    request: InferenceRequest,
    watch: InferenceWatch,
    result: AttemptResult,
    body: ResponsesRequestBody,
    doneItems: ResponseItem[],
  ): void {
    const output = attemptOutput(result, doneItems);
    const res = inferenceResult(result, watch, output);
    span.setAttributes(inferenceResultAttributes(res));
    const record: InferenceRecord = {
      request,
      result: res,
      content: () => inferenceContent(body, output, res.finishReasons?.[0]),
    };
    this.telemetry.inference(record);
  }

  withSpan<T>(
    transport: ModelTransport,
    model: string,
    attempt: number,
    genAiAttributes: Attributes | undefined,
    fn: (span: Span) => Promise<T>,
  ): Promise<T> {
    const { span, context: spanContext } = startSpan(
      "responses.stream_request",
      {
        "server.address": this.serverAddress,
        "server.port": this.serverPort,
        model,
        provider: this.provider.name,
        transport,
        "http.method": transport === "responses_http" ? "POST" : "GET",
        "api.path": API_PATH,
        attempt,
      },
      { kind: SpanKind.CLIENT, attributes: genAiAttributes },
    );
    return context.with(spanContext, () => fn(span)).finally(() => span.end());
  }
}
