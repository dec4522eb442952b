import { hostname } from "node:os";
import { metrics as metricsApi, trace, type Attributes, type Context } from "@opentelemetry/api";
import {
  detectResources,
  envDetector,
  resourceFromAttributes,
  type Resource,
} from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { MeterProvider, PushMetricExporter } from "@opentelemetry/sdk-metrics";
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { TelemetryConfigError } from "./errors.js";
import {
  buildLogExporter,
  buildMetricExporter,
  buildSpanExporter,
  resolveExporter,
  type Signal,
} from "./exporters.js";
import {
  CountingLogExporter,
  CountingLogProcessor,
  CountingMetricExporter,
  CountingSpanExporter,
  CountingSpanProcessor,
  ExportHealth,
} from "./export-health.js";
import { GenAiSpanNameProcessor } from "./genai-attributes.js";
import { sdkMetrics } from "./lazy-modules.js";
import { logger, setLogExportLanes } from "./log.js";
import { MetricsClient } from "./metrics-client.js";
import { defaultOtelSettings, type OtelSettings } from "./settings.js";
import { installContextPropagation } from "./context-setup.js";
import { withinTimeout } from "./timeout.js";
import { captureEnvTraceContext, setTracestateMerger } from "./trace-context.js";
import { mergeConfiguredTracestate, validateConfiguredTracestate } from "./tracestate-config.js";
import { SPOOL_VERSION } from "./version.js";

const log = logger("spool_otel::provider");

export interface TelemetryOptions {
  /** `[otel]` settings (from config); default: every exporter off. */
  settings?: OtelSettings;
  /**
   * Where `OTEL_SDK_DISABLED`, `OTEL_<SIGNAL>_EXPORTER` and the `TRACEPARENT`/`TRACESTATE` parent
   * are read; default `process.env`.
   */
  env?: NodeJS.ProcessEnv;
  /** Default `service.name` when `[otel]` does not set one; default `spool`. */
  serviceName?: string;
  /** Replaces the exporter of a signal (tests, benchmarks); enables the signal. */
  exporters?: { traces?: SpanExporter; logs?: LogRecordExporter; metrics?: PushMetricExporter };
  /** `simple` exports every span/log as it ends (tests); default `batch`. */
  processor?: "batch" | "simple";
  /** Batch processor limits (default: the SDK's, or `OTEL_BSP_*`). */
  batch?: { maxQueueSize?: number; maxExportBatchSize?: number; scheduledDelayMillis?: number };
  /** Metric export interval; default `OTEL_METRIC_EXPORT_INTERVAL` or 60 s. */
  metricExportIntervalMs?: number;
  /** Default bound for `shutdown()`; default 5000 ms. */
  shutdownTimeoutMs?: number;
}

/** What `installTelemetry` installed; `shutdown()` is idempotent and bounded. */
export interface TelemetryHandle {
  readonly settings: OtelSettings;
  readonly tracesEnabled: boolean;
  readonly logsEnabled: boolean;
  readonly metricsEnabled: boolean;
  readonly tracerProvider: NodeTracerProvider | undefined;
  readonly loggerProvider: LoggerProvider | undefined;
  readonly meterProvider: MeterProvider | undefined;
  /** The metrics client (when metrics are enabled), for SessionTelemetry.withMetrics. */
  readonly metrics: MetricsClient | undefined;
  /** Items each signal failed to deliver so far. */
  dropped(): Record<Signal, number>;
  forceFlush(): Promise<void>;
  /** Flushes traces, then metrics, then logs, within `timeoutMs` overall; never throws. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** Stamps `[otel] span_attributes` on every span at start. */
class SpanAttributesProcessor implements SpanProcessor {
  constructor(private readonly attributes: Attributes) {}
  onStart(span: Span, _parent: Context): void {
    span.setAttributes(this.attributes);
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function validateSpanAttributes(attrs: Record<string, string>): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (k.trim() === "") throw new TelemetryConfigError("otel.span_attributes: keys must be non-empty");
    if (typeof v !== "string") throw new TelemetryConfigError(`otel.span_attributes.${k}: must be a string`);
  }
}

function baseResource(settings: OtelSettings, options: TelemetryOptions): Resource {
  const base = resourceFromAttributes({
    "service.name": settings.serviceName ?? options.serviceName ?? "spool",
    "service.version": settings.serviceVersion ?? SPOOL_VERSION,
    env: settings.environment,
  });
  // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME win over the defaults (the SDK convention).
  return base.merge(detectResources({ detectors: [envDetector] }));
}

function metricIntervalMs(options: TelemetryOptions, env: NodeJS.ProcessEnv): number {
  if (options.metricExportIntervalMs !== undefined) return options.metricExportIntervalMs;
  const v = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
  return Number.isFinite(v) && v > 0 ? v : 60_000;
}

let current: TelemetryHandle | undefined;

/**
 * Builds and installs the process's OTel providers from `[otel]` settings (spec/otel.md §2): a
 * tracer provider (batch processor, `span_attributes` stamped at start), a logger provider for
 * the `codex_otel.*` log lane (resource with `host.name`), and a meter provider behind a
 * `MetricsClient`, each with the official OTLP exporter the settings select. Everything is
 * validated before any global is touched: invalid settings throw `TelemetryConfigError` naming
 * the key and nothing is installed. A previous installation is shut down first. Tests install
 * through here too, with in-memory `exporters` and the `simple` processor.
 *
 * @example
 * const telemetry = installTelemetry({ settings: otelSettings });
 * process.on("SIGTERM", () => void telemetry.shutdown().then(() => process.exit(0)));
 */
export function installTelemetry(options: TelemetryOptions = {}): TelemetryHandle {
  installContextPropagation();
  const settings = options.settings ?? defaultOtelSettings();
  const env = options.env ?? process.env;

  // 1. Resolve and validate everything before touching globals.
  const traceSettings = resolveExporter("traces", settings.traceExporter, env);
  const logSettings = resolveExporter("logs", settings.exporter, env);
  const metricSettings = resolveExporter("metrics", settings.metricsExporter, env);
  const tracesOn = options.exporters?.traces !== undefined || traceSettings.kind !== "none";
  const logsOn = options.exporters?.logs !== undefined || logSettings.kind !== "none";
  const metricsOn = options.exporters?.metrics !== undefined || metricSettings.kind !== "none";
  if (tracesOn) validateSpanAttributes(settings.spanAttributes);
  validateConfiguredTracestate(settings.tracestate);
  const spanExporter = options.exporters?.traces ?? buildSpanExporter(traceSettings);
  const logExporter = options.exporters?.logs ?? buildLogExporter(logSettings);
  const metricExporter = options.exporters?.metrics ?? buildMetricExporter(metricSettings);

  // 2. Install.
  const previous = current;
  if (previous) void previous.shutdown(0);
  const health: Record<Signal, ExportHealth> = {
    traces: new ExportHealth("traces"),
    logs: new ExportHealth("logs"),
    metrics: new ExportHealth("metrics"),
  };
  const resource = baseResource(settings, options);
  const simple = options.processor === "simple";

  let tracerProvider: NodeTracerProvider | undefined;
  if (spanExporter) {
    const exporting = new CountingSpanExporter(spanExporter, health.traces);
    tracerProvider = new NodeTracerProvider({
      resource,
      spanProcessors: [
        new SpanAttributesProcessor(settings.spanAttributes),
        ...(settings.genaiSpanNames ? [new GenAiSpanNameProcessor()] : []),
        new CountingSpanProcessor(
          simple ? new SimpleSpanProcessor(exporting) : new BatchSpanProcessor(exporting, options.batch),
          health.traces,
        ),
      ],
    });
    trace.disable();
    trace.setGlobalTracerProvider(tracerProvider);
  }

  let loggerProvider: LoggerProvider | undefined;
  if (logExporter) {
    const host = hostname().trim();
    const exporting = new CountingLogExporter(logExporter, health.logs);
    loggerProvider = new LoggerProvider({
      resource: host === "" ? resource : resource.merge(resourceFromAttributes({ "host.name": host })),
      processors: [
        new CountingLogProcessor(
          simple
            ? new SimpleLogRecordProcessor({ exporter: exporting })
            : new BatchLogRecordProcessor({ exporter: exporting, ...options.batch }),
          health.logs,
        ),
      ],
    });
  }

  let meterProvider: MeterProvider | undefined;
  let metricsClient: MetricsClient | undefined;
  if (metricExporter) {
    const { MeterProvider, PeriodicExportingMetricReader } = sdkMetrics();
    meterProvider = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new CountingMetricExporter(metricExporter, health.metrics),
          exportIntervalMillis: metricIntervalMs(options, env),
        }),
      ],
    });
    metricsApi.disable();
    metricsApi.setGlobalMeterProvider(meterProvider);
    metricsClient = new MetricsClient(meterProvider, { ownsProvider: false });
  }

  if (settings.runtimeMetrics) {
    log.debug("otel runtime_metrics is accepted but Spool records no runtime metrics yet");
  }
  const anyOn = tracesOn || logsOn || metricsOn;
  const configured = settings.tracestate;
  setTracestateMerger(
    anyOn && Object.keys(configured).length > 0
      ? (ts) => mergeConfiguredTracestate(ts, configured)
      : undefined,
  );
  setLogExportLanes({ loggerProvider, traceLane: tracerProvider !== undefined });
  captureEnvTraceContext(env);
  if (anyOn) {
    log.debug("telemetry installed", {
      traces: traceSettings.kind,
      logs: logSettings.kind,
      metrics: metricSettings.kind,
    });
  }

  const defaultTimeout = options.shutdownTimeoutMs ?? 5000;
  let shutdownPromise: Promise<void> | undefined;
  const handle: TelemetryHandle = {
    settings,
    tracesEnabled: tracerProvider !== undefined,
    logsEnabled: loggerProvider !== undefined,
    metricsEnabled: meterProvider !== undefined,
    tracerProvider,
    loggerProvider,
    meterProvider,
    metrics: metricsClient,
    dropped: () => ({
      traces: health.traces.dropped,
      logs: health.logs.dropped,
      metrics: health.metrics.dropped,
    }),
    async forceFlush() {
      await Promise.allSettled([
        tracerProvider?.forceFlush(),
        meterProvider?.forceFlush(),
        loggerProvider?.forceFlush(),
      ]);
    },
    shutdown(timeoutMs = defaultTimeout) {
      shutdownPromise ??= (async () => {
        const deadline = Date.now() + timeoutMs;
        const step = async (p: (() => Promise<unknown>) | undefined) => {
          if (!p) return;
          await withinTimeout(
            p().catch(() => undefined),
            Math.max(0, deadline - Date.now()),
          );
        };
        if (current === handle) {
          setLogExportLanes({ traceLane: false });
          setTracestateMerger(undefined);
        }
        await step(
          tracerProvider && (() => tracerProvider.forceFlush().then(() => tracerProvider.shutdown())),
        );
        // The metric reader's shutdown collects and exports one last time.
        await step(meterProvider && (() => meterProvider.shutdown()));
        await step(
          loggerProvider && (() => loggerProvider.forceFlush().then(() => loggerProvider.shutdown())),
        );
        if (current === handle) {
          if (tracerProvider) trace.disable();
          if (meterProvider) metricsApi.disable();
          current = undefined;
        }
        for (const h of Object.values(health)) h.finish();
      })();
      return shutdownPromise;
    },
  };
  current = handle;
  return handle;
}
