/**
 * Plain settings the telemetry provider is built from. `config/` produces them from
 * `config.toml` `[otel]` (validated there with zod) through a type-only import of this module's
 * types; telemetry only reads them.
 */

/** TLS material for an OTLP exporter; all paths absolute (config resolves relative ones). */
export interface OtelTlsSettings {
  caCertificate?: string;
  clientCertificate?: string;
  clientPrivateKey?: string;
}

/** One signal's exporter (spec/otel.md §1 `OtelExporter`). */
export type OtelExporterSettings =
  | { kind: "none" }
  /** Metrics only in Codex; Spool accepts it and resolves it to `none` (no network, no keys). */
  | { kind: "statsig" }
  | {
      kind: "otlp-http";
      /** Used as given (full signal path); absent → `OTEL_EXPORTER_OTLP_*` / SDK default. */
      endpoint?: string;
      protocol: "binary" | "json";
      headers: Record<string, string>;
      tls?: OtelTlsSettings;
    }
  | {
      kind: "otlp-grpc";
      endpoint?: string;
      headers: Record<string, string>;
      tls?: OtelTlsSettings;
    };

/** `[otel]` after validation, path resolution and `${VAR}` expansion. */
export interface OtelSettings {
  /** Resource attribute `env`; default `"dev"`. */
  environment: string;
  /** `service.name`; default `"spool"`. */
  serviceName?: string;
  serviceVersion?: string;
  /** Logs exporter. */
  exporter: OtelExporterSettings;
  traceExporter: OtelExporterSettings;
  metricsExporter: OtelExporterSettings;
  runtimeMetrics: boolean;
  /** Stamped on every span at start. */
  spanAttributes: Record<string, string>;
  /** Configured W3C tracestate members: member key → field → value (§6). */
  tracestate: Record<string, Record<string, string>>;
  /** Passed to SessionTelemetry: raw prompt text on the log-only lane when true. */
  logUserPrompt: boolean;
  /** `genai_span_names`: GenAI spans exported under the conventions' names (`chat <model>`). */
  genaiSpanNames: boolean;
}

/** Settings with every exporter off: what Spool runs with when `[otel]` is absent. */
export function defaultOtelSettings(): OtelSettings {
  return {
    environment: "dev",
    exporter: { kind: "none" },
    traceExporter: { kind: "none" },
    metricsExporter: { kind: "none" },
    runtimeMetrics: false,
    spanAttributes: {},
    tracestate: {},
    logUserPrompt: false,
    genaiSpanNames: false,
  };
}
