import { ValueType, type Attributes, type Counter, type Histogram, type Meter } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { InMemoryMetricExporter, MeterProvider } from "@opentelemetry/sdk-metrics";
import { MetricsError } from "./errors.js";
import { sdkMetrics } from "./lazy-modules.js";
import { SPOOL_VERSION } from "./version.js";

export type MetricTags = Record<string, string>;

const NAME_RE = /^[A-Za-z0-9._/-]+$/;
const TAG_RE = /^[A-Za-z0-9._/-]+$/;

/** Replaces characters a metric tag may not carry with `_` (for user-derived values). */
export function sanitizeMetricTagValue(value: string): string {
  const out = value.replace(/[^A-Za-z0-9._/-]/g, "_");
  return out === "" ? "unspecified" : out;
}

/** Throws `MetricsError` unless name and every tag key/value are non-empty and in the safe charset. */
export function validateMetric(name: string, tags: MetricTags): void {
  if (!NAME_RE.test(name)) throw new MetricsError(`invalid metric name ${JSON.stringify(name)}`);
  for (const [k, v] of Object.entries(tags)) {
    if (!TAG_RE.test(k)) throw new MetricsError(`metric ${name}: invalid tag key ${JSON.stringify(k)}`);
    if (typeof v !== "string" || !TAG_RE.test(v)) {
      throw new MetricsError(`metric ${name}: invalid value for tag ${k}: ${JSON.stringify(v)}`);
    }
  }
}

/**
 * A histogram declared the way an OpenTelemetry semantic convention specifies it (unit, value
 * type, bucket boundaries), for metrics whose names and units are not Codex's.
 */
export interface HistogramInstrument {
  name: string;
  unit: string;
  description: string;
  valueType: "int" | "double";
  /** Explicit bucket boundaries, handed to the SDK as advice. */
  boundaries: readonly number[];
}

/** Records elapsed milliseconds into a histogram once, on `stop()`. */
export class MetricsTimer {
  private readonly started = performance.now();
  private stopped = false;

  constructor(
    private readonly client: MetricsClient,
    readonly name: string,
    private readonly tags: MetricTags,
  ) {}

  /** Records the elapsed time (first call only) and returns it in ms. */
  stop(extraTags: MetricTags = {}): number {
    const elapsed = performance.now() - this.started;
    if (!this.stopped) {
      this.stopped = true;
      this.client.recordDuration(this.name, elapsed, { ...this.tags, ...extraTags });
    }
    return elapsed;
  }
}

export interface MetricsClientOptions {
  environment?: string;
  serviceName?: string;
  serviceVersion?: string;
  /** Tags merged under every call's tags. */
  defaultTags?: MetricTags;
}

/**
 * Counters and histograms by name (spec/otel.md §5): instruments are created lazily and cached;
 * names and tags are validated (`MetricsError`). Integer values as in Codex; durations in ms.
 *
 * @example
 * const { client, exporter } = MetricsClient.inMemory();
 * client.counter("codex.tool.call", 1, { tool: "shell", success: "true" });
 * await client.shutdown(); // exporter.getMetrics() now holds the data
 */
export class MetricsClient {
  private readonly meter: Meter;
  private readonly counters = new Map<string, Counter>();
  private readonly histograms = new Map<string, Histogram>();
  private readonly conventionHistograms = new Map<string, Histogram>();
  private readonly defaultTags: MetricTags;
  private readonly hasDefaultTags: boolean;
  private shutdownPromise: Promise<void> | undefined;

  constructor(
    private readonly provider: MeterProvider,
    options: { defaultTags?: MetricTags; ownsProvider?: boolean } = {},
  ) {
    this.meter = provider.getMeter("codex_otel", SPOOL_VERSION);
    this.defaultTags = options.defaultTags ?? {};
    this.hasDefaultTags = Object.keys(this.defaultTags).length > 0;
    validateMetric("defaults", this.defaultTags);
    this.ownsProvider = options.ownsProvider ?? true;
  }
  private readonly ownsProvider: boolean;

  /** A client whose data goes to an `InMemoryMetricExporter` on flush/shutdown (tests). */
  static inMemory(options: MetricsClientOptions = {}): {
    client: MetricsClient;
    exporter: InMemoryMetricExporter;
  } {
    const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } =
      sdkMetrics();
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const provider = new MeterProvider({
      resource: resourceFromAttributes({
        "service.name": options.serviceName ?? "spool",
        "service.version": options.serviceVersion ?? SPOOL_VERSION,
        env: options.environment ?? "dev",
      }),
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 2 ** 31 - 1 })],
    });
    return { client: new MetricsClient(provider, { defaultTags: options.defaultTags }), exporter };
  }

  private tagsOf(tags: MetricTags): Attributes {
    return { ...this.defaultTags, ...tags };
  }

  /** Adds `inc` (a non-negative integer) to a counter. */
  counter(name: string, inc = 1, tags: MetricTags = {}): void {
    validateMetric(name, tags);
    if (!Number.isInteger(inc) || inc < 0) {
      throw new MetricsError(`metric ${name}: counter increment must be a non-negative integer, got ${inc}`);
    }
    let c = this.counters.get(name);
    if (!c) {
      c = this.meter.createCounter(name);
      this.counters.set(name, c);
    }
    c.add(inc, this.tagsOf(tags));
  }

  /** Records an integer value into a histogram. */
  histogram(name: string, value: number, tags: MetricTags = {}): void {
    this.record(name, Math.trunc(value), tags, undefined);
  }

  /** Records a duration (ms, whole milliseconds) into a `ms` histogram. */
  recordDuration(name: string, durationMs: number, tags: MetricTags = {}): void {
    this.record(name, Math.max(0, Math.floor(durationMs)), tags, "ms");
  }

  /** Starts a timer whose `stop()` records the elapsed ms into histogram `name`. */
  startTimer(name: string, tags: MetricTags = {}): MetricsTimer {
    validateMetric(name, tags);
    return new MetricsTimer(this, name, tags);
  }

  private record(name: string, value: number, tags: MetricTags, unit: string | undefined): void {
    validateMetric(name, tags);
    if (!Number.isFinite(value)) throw new MetricsError(`metric ${name}: value must be finite`);
    let h = this.histograms.get(name);
    if (!h) {
      h = this.meter.createHistogram(name, unit ? { unit } : {});
      this.histograms.set(name, h);
    }
    h.record(value, this.tagsOf(tags));
  }

  /**
   * Records `value` as given (no rounding, no unit conversion) into `instrument`. Unlike the
   * Codex-style methods, attributes go to the SDK as given (model names may hold `:` or `@`, and
   * semantic-convention keys need no checking per call: this runs once per model call on the hot
   * path). The instrument's name is checked when it is first used; throws `MetricsError` for a bad
   * name or a non-finite value.
   */
  recordHistogram(instrument: HistogramInstrument, value: number, attributes: Attributes): void {
    if (!Number.isFinite(value)) throw new MetricsError(`metric ${instrument.name}: value must be finite`);
    let h = this.conventionHistograms.get(instrument.name);
    if (!h) {
      if (!NAME_RE.test(instrument.name)) {
        throw new MetricsError(`invalid metric name ${JSON.stringify(instrument.name)}`);
      }
      h = this.meter.createHistogram(instrument.name, {
        unit: instrument.unit,
        description: instrument.description,
        valueType: instrument.valueType === "int" ? ValueType.INT : ValueType.DOUBLE,
        advice: { explicitBucketBoundaries: [...instrument.boundaries] },
      });
      this.conventionHistograms.set(instrument.name, h);
    }
    h.record(value, this.hasDefaultTags ? { ...this.defaultTags, ...attributes } : attributes);
  }

  forceFlush(): Promise<void> {
    return this.provider.forceFlush();
  }

  /** Flushes and shuts the meter provider down (once); later calls return the same promise. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.ownsProvider
      ? this.provider.forceFlush().then(() => this.provider.shutdown())
      : this.provider.forceFlush();
    return this.shutdownPromise;
  }
}

/** Metric names Spool records (spec/otel.md §5.1). */
export const METRIC = {
  TOOL_CALL: "codex.tool.call",
  TOOL_CALL_DURATION: "codex.tool.call.duration_ms",
  TOOL_UNIFIED_EXEC: "codex.tool.unified_exec",
  API_REQUEST: "codex.api_request",
  API_REQUEST_DURATION: "codex.api_request.duration_ms",
  SSE_EVENT: "codex.sse_event",
  SSE_EVENT_DURATION: "codex.sse_event.duration_ms",
  WEBSOCKET_REQUEST: "codex.websocket.request",
  WEBSOCKET_REQUEST_DURATION: "codex.websocket.request.duration_ms",
  WEBSOCKET_EVENT: "codex.websocket.event",
  WEBSOCKET_EVENT_DURATION: "codex.websocket.event.duration_ms",
  TURN_E2E_DURATION: "codex.turn.e2e_duration_ms",
  TURN_TTFT_DURATION: "codex.turn.ttft.duration_ms",
  TURN_TTFM_DURATION: "codex.turn.ttfm.duration_ms",
  TURN_NETWORK_PROXY: "codex.turn.network_proxy",
  TURN_TOOL_CALL: "codex.turn.tool.call",
  TURN_TOKEN_USAGE: "codex.turn.token_usage",
  TASK_COMPACT: "codex.task.compact",
  THREAD_STARTED: "codex.thread.started",
  STARTUP_PREWARM_DURATION: "codex.startup_prewarm.duration_ms",
  STARTUP_PREWARM_AGE_AT_FIRST_TURN: "codex.startup_prewarm.age_at_first_turn_ms",
} as const;
