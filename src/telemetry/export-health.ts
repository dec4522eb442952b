import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { LogRecordExporter, ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { Context } from "@opentelemetry/api";
import type { LogRecordProcessor, SdkLogRecord } from "@opentelemetry/sdk-logs";
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { logger } from "./log.js";
import type { Signal } from "./exporters.js";

const log = logger("spool_otel::exporter");

/**
 * Counts what one signal's exporter failed to deliver. The first failure gives the signal's one
 * warning, with the count; later failures only count (the total is reported at shutdown).
 */
export class ExportHealth {
  dropped = 0;
  inFlight = 0;
  /** Items handed to the batch processor (sampled spans, emitted log records). */
  submitted = 0;
  /** Items handed to the exporter. */
  attempted = 0;
  private warnedAt = -1;

  constructor(readonly signal: Signal) {}

  begin(items: number): void {
    this.inFlight += items;
    this.attempted += items;
  }

  end(items: number, result: ExportResult): void {
    this.inFlight -= items;
    if (result.code === ExportResultCode.SUCCESS) return;
    this.dropped += items;
    if (this.warnedAt < 0) {
      this.warnedAt = this.dropped;
      log.warn(`OTLP ${this.signal} export failed; dropping telemetry and continuing`, {
        signal: this.signal,
        dropped: items,
        error: result.error?.message ?? "unknown error",
      });
    }
  }

  /**
   * At shutdown: items still queued or in flight, and those a full queue refused, count as
   * dropped. If nothing was reported yet this is the
   * signal's one warning; otherwise the grown total is reported at info, so each signal gives
   * exactly one warning however long the outage lasts.
   */
  finish(): void {
    // Never handed to the exporter: dropped by a full queue, or still queued at the deadline.
    if (this.submitted > this.attempted) this.dropped += this.submitted - this.attempted;
    this.submitted = this.attempted;
    this.dropped += this.inFlight;
    this.inFlight = 0;
    if (this.dropped === 0 || this.dropped === this.warnedAt) return;
    const fields = { signal: this.signal, dropped: this.dropped };
    if (this.warnedAt < 0) log.warn(`OTLP ${this.signal} export dropped telemetry`, fields);
    else log.info(`OTLP ${this.signal} export dropped telemetry in total`, fields);
    this.warnedAt = this.dropped;
  }
}

function guarded(
  health: ExportHealth,
  items: number,
  run: (done: (r: ExportResult) => void) => void,
  cb: (r: ExportResult) => void,
): void {
  health.begin(items);
  let settled = false;
  const done = (r: ExportResult) => {
    if (settled) return;
    settled = true;
    health.end(items, r);
    cb(r);
  };
  try {
    run(done);
  } catch (err) {
    done({ code: ExportResultCode.FAILED, error: err as Error });
  }
}

export class CountingSpanExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly health: ExportHealth,
  ) {}
  export(spans: ReadableSpan[], cb: (r: ExportResult) => void): void {
    guarded(this.health, spans.length, (done) => this.inner.export(spans, done), cb);
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export class CountingLogExporter implements LogRecordExporter {
  constructor(
    private readonly inner: LogRecordExporter,
    private readonly health: ExportHealth,
  ) {}
  export(logs: ReadableLogRecord[], cb: (r: ExportResult) => void): void {
    guarded(this.health, logs.length, (done) => this.inner.export(logs, done), cb);
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

function dataPoints(metrics: ResourceMetrics): number {
  let n = 0;
  for (const sm of metrics.scopeMetrics) for (const m of sm.metrics) n += m.dataPoints.length;
  return n;
}

export class CountingMetricExporter implements PushMetricExporter {
  constructor(
    private readonly inner: PushMetricExporter,
    private readonly health: ExportHealth,
  ) {
    if (inner.selectAggregationTemporality) {
      this.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
    }
    if (inner.selectAggregation) this.selectAggregation = inner.selectAggregation.bind(inner);
  }
  selectAggregationTemporality?: PushMetricExporter["selectAggregationTemporality"];
  selectAggregation?: PushMetricExporter["selectAggregation"];
  export(metrics: ResourceMetrics, cb: (r: ExportResult) => void): void {
    guarded(this.health, dataPoints(metrics), (done) => this.inner.export(metrics, done), cb);
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
}

/** Counts sampled spans handed to the (batch) processor, so queue overflows are not silent. */
export class CountingSpanProcessor implements SpanProcessor {
  constructor(
    private readonly inner: SpanProcessor,
    private readonly health: ExportHealth,
  ) {}
  onStart(span: Span, parent: Context): void {
    this.inner.onStart(span, parent);
  }
  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 1) this.health.submitted++;
    this.inner.onEnd(span);
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** Counts log records handed to the (batch) processor. */
export class CountingLogProcessor implements LogRecordProcessor {
  constructor(
    private readonly inner: LogRecordProcessor,
    private readonly health: ExportHealth,
  ) {}
  onEmit(record: SdkLogRecord, context?: Context): void {
    this.health.submitted++;
    this.inner.onEmit(record, context);
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
