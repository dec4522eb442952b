import { trace, type Tracer } from "@opentelemetry/api";
import { installContextPropagation } from "./context-setup.js";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { OTLPTraceExporter as OtlpHttpJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { OTLPTraceExporter as OtlpGrpcTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { SPOOL_VERSION } from "./version.js";
import { logger } from "./log.js";
import { TelemetryConfigError } from "./errors.js";

export { TelemetryConfigError, installContextPropagation };

const TRACER_NAME = "spool";
const log = logger("spool_otel::provider");

/**
 * The traces exporter the standard variables select: `OTEL_TRACES_EXPORTER` (`otlp` | `console` |
 * `none`, default none) and `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL` (`http/protobuf` | `http/json` |
 * `grpc`). The OTLP exporters read their endpoint, headers and timeout variables themselves.
 */
export function traceExporterFromEnv(env: NodeJS.ProcessEnv = process.env): SpanExporter | undefined {
  const choice = (env.OTEL_TRACES_EXPORTER ?? "none").trim().toLowerCase();
  if (choice === "" || choice === "none") return undefined;
  if (choice === "console") return new ConsoleSpanExporter();
  if (choice !== "otlp") {
    throw new TelemetryConfigError(`OTEL_TRACES_EXPORTER: unsupported value ${JSON.stringify(choice)}`);
  }
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
    env.OTEL_EXPORTER_OTLP_PROTOCOL ??
    "http/protobuf"
  )
    .trim()
    .toLowerCase();
  switch (protocol) {
    case "http/protobuf":
      return new OtlpProtoTraceExporter();
    case "http/json":
      return new OtlpHttpJsonTraceExporter();
    case "grpc":
      return new OtlpGrpcTraceExporter();
    default:
      throw new TelemetryConfigError(
        `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: unsupported value ${JSON.stringify(protocol)}`,
      );
  }
}

export interface TracingOptions {
  /** Exporter to use; `undefined` installs no tracer provider (the API's no-op tracer). */
  exporter?: SpanExporter;
  /** `simple` exports each span as it ends (tests); `batch` (default) for production. */
  processor?: "batch" | "simple";
  serviceName?: string;
  /** Extra processors run before the exporting one (e.g. span-attribute stamping). */
  extraProcessors?: SpanProcessor[];
}

export interface TracingHandle {
  readonly enabled: boolean;
  forceFlush(): Promise<void>;
  /** Idempotent; resolves within `timeoutMs` even if an exporter hangs. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** Resolves after `promise` or after `ms`, whichever is first; the timer never holds the process. */
export async function withinTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Installs a tracer provider exporting to `options.exporter` and registers it globally. */
export function installTracing(options: TracingOptions = {}): TracingHandle {
  installContextPropagation();
  if (!options.exporter) {
    return { enabled: false, forceFlush: async () => {}, shutdown: async () => {} };
  }
  const exporting =
    options.processor === "simple"
      ? new SimpleSpanProcessor(options.exporter)
      : new BatchSpanProcessor(options.exporter);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      "service.name": options.serviceName ?? "spool",
      "service.version": SPOOL_VERSION,
    }),
    spanProcessors: [...(options.extraProcessors ?? []), exporting],
  });
  trace.setGlobalTracerProvider(provider);
  let shutdownPromise: Promise<void> | undefined;
  return {
    enabled: true,
    forceFlush: () => provider.forceFlush(),
    shutdown(timeoutMs = 5000) {
      shutdownPromise ??= (async () => {
        const done = await withinTimeout(
          provider.forceFlush().then(() => provider.shutdown()),
          timeoutMs,
        );
        if (!done)
          log.warn("trace export did not finish before the shutdown deadline", { timeout_ms: timeoutMs });
      })();
      return shutdownPromise;
    },
  };
}

/** The tracer Spool's span-making code uses (the request-span factory, core's spans). */
export function getTracer(): Tracer {
  return trace.getTracer(TRACER_NAME, SPOOL_VERSION);
}
