import { readFileSync } from "node:fs";
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter } from "@opentelemetry/sdk-metrics";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type * as TraceHttpJson from "@opentelemetry/exporter-trace-otlp-http";
import type * as TraceProto from "@opentelemetry/exporter-trace-otlp-proto";
import type * as TraceGrpc from "@opentelemetry/exporter-trace-otlp-grpc";
import type * as LogsHttpJson from "@opentelemetry/exporter-logs-otlp-http";
import type * as LogsProto from "@opentelemetry/exporter-logs-otlp-proto";
import type * as LogsGrpc from "@opentelemetry/exporter-logs-otlp-grpc";
import type * as MetricsHttpJson from "@opentelemetry/exporter-metrics-otlp-http";
import type * as MetricsProto from "@opentelemetry/exporter-metrics-otlp-proto";
import type * as MetricsGrpc from "@opentelemetry/exporter-metrics-otlp-grpc";
import type * as GrpcBase from "@opentelemetry/otlp-grpc-exporter-base";
import type * as SdkLogs from "@opentelemetry/sdk-logs";
import type * as SdkTrace from "@opentelemetry/sdk-trace-base";
import { TelemetryConfigError } from "./errors.js";
import { logger } from "./log.js";
import { lazyPackage, sdkMetrics } from "./lazy-modules.js";
import type { OtelExporterSettings, OtelTlsSettings } from "./settings.js";

export type Signal = "traces" | "logs" | "metrics";
const log = logger("spool_otel::provider");

/** The `[otel]` key that configures a signal's exporter, for error messages. */
export const SIGNAL_KEY: Readonly<Record<Signal, string>> = {
  logs: "otel.exporter",
  traces: "otel.trace_exporter",
  metrics: "otel.metrics_exporter",
};

type OtlpSettings = Extract<OtelExporterSettings, { kind: "otlp-http" | "otlp-grpc" }>;

/**
 * An exporter after resolution: the `[otel]` kinds plus `console`, which only the standard
 * `OTEL_<SIGNAL>_EXPORTER=console` selects. Console exporters print through the global
 * `console`, which the `spool` CLI routes to stderr so stdout carries only protocol.
 */
export type ResolvedExporterSettings = OtelExporterSettings | { kind: "console" };

/**
 * The exporter a signal really uses. `[otel]` wins when it names an exporter; when it says
 * `none` (or is absent) the standard `OTEL_<SIGNAL>_EXPORTER=otlp` with
 * `OTEL_EXPORTER_OTLP_[<SIGNAL>_]PROTOCOL` may still enable one. `statsig` resolves to none.
 * `OTEL_SDK_DISABLED=true` turns every signal off.
 */
export function resolveExporter(
  signal: Signal,
  configured: OtelExporterSettings,
  env: NodeJS.ProcessEnv,
): ResolvedExporterSettings {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return { kind: "none" };
  if (configured.kind === "statsig") {
    log.debug("otel metrics_exporter = statsig is resolved to none in Spool (no network, no keys)");
    return { kind: "none" };
  }
  if (configured.kind !== "none") return configured;
  const name = `OTEL_${signal.toUpperCase()}_EXPORTER`;
  const choice = (env[name] ?? "none").trim().toLowerCase();
  if (choice === "" || choice === "none") return { kind: "none" };
  if (choice === "console") return { kind: "console" };
  if (choice !== "otlp") {
    throw new TelemetryConfigError(
      `${name}: unsupported value ${JSON.stringify(choice)} (expected otlp, console or none)`,
    );
  }
  const protoVar = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`;
  const protocol = (env[protoVar] ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf").trim().toLowerCase();
  switch (protocol) {
    case "http/protobuf":
      return { kind: "otlp-http", protocol: "binary", headers: {} };
    case "http/json":
      return { kind: "otlp-http", protocol: "json", headers: {} };
    case "grpc":
      return { kind: "otlp-grpc", headers: {} };
    default:
      throw new TelemetryConfigError(`${protoVar}: unsupported value ${JSON.stringify(protocol)}`);
  }
}

interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function readTls(signal: Signal, tls: OtelTlsSettings | undefined): TlsMaterial | undefined {
  if (!tls) return undefined;
  const read = (file: string | undefined, key: string): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new TelemetryConfigError(
        `${SIGNAL_KEY[signal]}.tls.${key}: cannot read ${file}: ${(err as Error).message}`,
      );
    }
  };
  const out: TlsMaterial = {
    ca: read(tls.caCertificate, "ca-certificate"),
    cert: read(tls.clientCertificate, "client-certificate"),
    key: read(tls.clientPrivateKey, "client-private-key"),
  };
  if ((out.cert === undefined) !== (out.key === undefined)) {
    throw new TelemetryConfigError(
      `${SIGNAL_KEY[signal]}.tls: client-certificate and client-private-key must be given together`,
    );
  }
  return out;
}

function httpOptions(signal: Signal, s: Extract<OtlpSettings, { kind: "otlp-http" }>) {
  const tls = readTls(signal, s.tls);
  return {
    ...(s.endpoint !== undefined ? { url: s.endpoint } : {}),
    ...(Object.keys(s.headers).length > 0 ? { headers: { ...s.headers } } : {}),
    ...(tls ? { httpAgentOptions: { ca: tls.ca, cert: tls.cert, key: tls.key } } : {}),
  };
}

function grpcOptions(signal: Signal, s: Extract<OtlpSettings, { kind: "otlp-grpc" }>) {
  const tls = readTls(signal, s.tls);
  const { createEmptyMetadata, createSslCredentials } = lazyPackage<typeof GrpcBase>(
    "@opentelemetry/otlp-grpc-exporter-base",
  );
  const metadata = createEmptyMetadata();
  for (const [k, v] of Object.entries(s.headers)) metadata.set(k, v);
  return {
    ...(s.endpoint !== undefined ? { url: s.endpoint } : {}),
    metadata,
    ...(tls ? { credentials: createSslCredentials(tls.ca, tls.key, tls.cert) } : {}),
  };
}

// Each exporter package is loaded only when the settings select it (see lazy-modules.ts).

/** The official OTLP span exporter for resolved settings (`undefined` for none). */
export function buildSpanExporter(s: ResolvedExporterSettings): SpanExporter | undefined {
  if (s.kind === "console") {
    return new (lazyPackage<typeof SdkTrace>("@opentelemetry/sdk-trace-base").ConsoleSpanExporter)();
  }
  if (s.kind === "otlp-grpc") {
    const { OTLPTraceExporter } = lazyPackage<typeof TraceGrpc>("@opentelemetry/exporter-trace-otlp-grpc");
    return new OTLPTraceExporter(grpcOptions("traces", s));
  }
  if (s.kind !== "otlp-http") return undefined;
  const o = httpOptions("traces", s);
  if (s.protocol === "json") {
    return new (lazyPackage<typeof TraceHttpJson>(
      "@opentelemetry/exporter-trace-otlp-http",
    ).OTLPTraceExporter)(o);
  }
  return new (lazyPackage<typeof TraceProto>("@opentelemetry/exporter-trace-otlp-proto").OTLPTraceExporter)(
    o,
  );
}

export function buildLogExporter(s: ResolvedExporterSettings): LogRecordExporter | undefined {
  if (s.kind === "console") {
    return new (lazyPackage<typeof SdkLogs>("@opentelemetry/sdk-logs").ConsoleLogRecordExporter)();
  }
  if (s.kind === "otlp-grpc") {
    const { OTLPLogExporter } = lazyPackage<typeof LogsGrpc>("@opentelemetry/exporter-logs-otlp-grpc");
    return new OTLPLogExporter(grpcOptions("logs", s));
  }
  if (s.kind !== "otlp-http") return undefined;
  const o = httpOptions("logs", s);
  if (s.protocol === "json") {
    return new (lazyPackage<typeof LogsHttpJson>("@opentelemetry/exporter-logs-otlp-http").OTLPLogExporter)(
      o,
    );
  }
  return new (lazyPackage<typeof LogsProto>("@opentelemetry/exporter-logs-otlp-proto").OTLPLogExporter)(o);
}

export function buildMetricExporter(s: ResolvedExporterSettings): PushMetricExporter | undefined {
  if (s.kind === "console") return new (sdkMetrics().ConsoleMetricExporter)();
  if (s.kind === "otlp-grpc") {
    const { OTLPMetricExporter } = lazyPackage<typeof MetricsGrpc>(
      "@opentelemetry/exporter-metrics-otlp-grpc",
    );
    return new OTLPMetricExporter(grpcOptions("metrics", s));
  }
  if (s.kind !== "otlp-http") return undefined;
  const o = httpOptions("metrics", s);
  if (s.protocol === "json") {
    const { OTLPMetricExporter } = lazyPackage<typeof MetricsHttpJson>(
      "@opentelemetry/exporter-metrics-otlp-http",
    );
    return new OTLPMetricExporter(o);
  }
  const { OTLPMetricExporter } = lazyPackage<typeof MetricsProto>(
    "@opentelemetry/exporter-metrics-otlp-proto",
  );
  return new OTLPMetricExporter(o);
}
