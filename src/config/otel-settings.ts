import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
// Type-only: config produces the settings telemetry is built from, in telemetry's one type.
import type { OtelExporterSettings, OtelSettings, OtelTlsSettings } from "../telemetry/index.js";
import { ConfigError } from "./errors.js";

const TlsSchema = z
  .object({
    "ca-certificate": z.string().min(1).optional(),
    "client-certificate": z.string().min(1).optional(),
    "client-private-key": z.string().min(1).optional(),
  })
  .strict();

const EndpointSchema = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}, "must be an http:// or https:// URL");

const HeadersSchema = z.record(z.string().min(1), z.string());

const OtlpHttpSchema = z
  .object({
    endpoint: EndpointSchema.optional(),
    protocol: z.enum(["binary", "json"]).default("binary"),
    headers: HeadersSchema.default({}),
    tls: TlsSchema.optional(),
  })
  .strict();

const OtlpGrpcSchema = z
  .object({
    endpoint: EndpointSchema.optional(),
    headers: HeadersSchema.default({}),
    tls: TlsSchema.optional(),
  })
  .strict();

type OtlpHttpToml = z.infer<typeof OtlpHttpSchema>;
type OtlpGrpcToml = z.infer<typeof OtlpGrpcSchema>;

/** An `[otel]` exporter as written: a name, or a one-key table `{ otlp-http = {...} }`. */
export type OtelExporterToml =
  | { kind: "none" }
  | { kind: "statsig" }
  | ({ kind: "otlp-http" } & OtlpHttpToml)
  | ({ kind: "otlp-grpc" } & OtlpGrpcToml);

/**
 * One exporter key. Accepts `"none"`, `"otlp-http"`, `"otlp-grpc"` (endpoint etc. from the
 * standard `OTEL_*` variables), `"statsig"` (metrics only), and the table/inline forms
 * `{ otlp-http = { endpoint, protocol, headers, tls } }` / `{ otlp-grpc = { endpoint, headers, tls } }`.
 * Issues carry the nested path, so errors name e.g. `otel.exporter.otlp-http.protocol`.
 */
function exporterSchema(allowStatsig: boolean) {
  const names = allowStatsig ? "none, statsig, otlp-http or otlp-grpc" : "none, otlp-http or otlp-grpc";
  return z.unknown().transform((value, ctx): OtelExporterToml => {
    if (typeof value === "string") {
      if (value === "none" || (allowStatsig && value === "statsig")) return { kind: value };
      if (value === "otlp-http") return { kind: value, protocol: "binary", headers: {} };
      if (value === "otlp-grpc") return { kind: value, headers: {} };
      ctx.addIssue({ code: "custom", message: `expected ${names}, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: "custom", message: `expected ${names} (a string or a table)` });
      return z.NEVER;
    }
    const keys = Object.keys(value);
    const kind = keys[0];
    if (keys.length !== 1 || (kind !== "otlp-http" && kind !== "otlp-grpc")) {
      ctx.addIssue({
        code: "custom",
        message: `expected exactly one of otlp-http or otlp-grpc as a table, got ${keys.join(", ") || "an empty table"}`,
      });
      return z.NEVER;
    }
    const inner = (value as Record<string, unknown>)[kind];
    const parsed = kind === "otlp-http" ? OtlpHttpSchema.safeParse(inner) : OtlpGrpcSchema.safeParse(inner);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: "custom", message: issue.message, path: [kind, ...issue.path.map(String)] });
      }
      return z.NEVER;
    }
    return { kind, ...parsed.data } as OtelExporterToml;
  });
}

/** `config.toml` `[otel]` as written (spec/otel.md §1.1); unknown keys are kept, not acted on. */
export const OtelTomlSchema = z
  .object({
    environment: z.string().min(1).default("dev"),
    log_user_prompt: z.boolean().default(false),
    exporter: exporterSchema(false).default({ kind: "none" }),
    trace_exporter: exporterSchema(false).default({ kind: "none" }),
    metrics_exporter: exporterSchema(true).default({ kind: "none" }),
    runtime_metrics: z.boolean().default(false),
    span_attributes: z.record(z.string(), z.string()).default({}),
    tracestate: z.record(z.string(), z.record(z.string(), z.string())).default({}),
    genai_span_names: z.boolean().default(false),
  })
  .loose();
export type OtelToml = z.infer<typeof OtelTomlSchema>;

const VAR_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Expands `${VAR}` from `env`; an unset variable is an error naming the key. */
function expandEnv(value: string, key: string, env: NodeJS.ProcessEnv): string {
  return value.replace(VAR_RE, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) {
      throw new ConfigError(`${key}: environment variable ${name} is not set`, undefined, undefined, key);
    }
    return v;
  });
}

function resolveExporter(
  e: OtelExporterToml,
  key: string,
  dir: string,
  env: NodeJS.ProcessEnv,
): OtelExporterSettings {
  if (e.kind === "none" || e.kind === "statsig") return { kind: e.kind };
  const base = `${key}.${e.kind}`;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(e.headers)) {
    headers[name] = expandEnv(value, `${base}.headers.${name}`, env);
  }
  let tls: OtelTlsSettings | undefined;
  if (e.tls) {
    const abs = (p: string | undefined) =>
      p === undefined ? undefined : isAbsolute(p) ? p : resolve(dir, p);
    tls = {};
    const ca = abs(e.tls["ca-certificate"]);
    const cert = abs(e.tls["client-certificate"]);
    const keyFile = abs(e.tls["client-private-key"]);
    if (ca !== undefined) tls.caCertificate = ca;
    if (cert !== undefined) tls.clientCertificate = cert;
    if (keyFile !== undefined) tls.clientPrivateKey = keyFile;
    if ((cert === undefined) !== (keyFile === undefined)) {
      throw new ConfigError(
        `${base}.tls: client-certificate and client-private-key must be given together`,
        undefined,
        undefined,
        `${base}.tls`,
      );
    }
  }
  const endpoint = e.endpoint;
  return e.kind === "otlp-http"
    ? {
        kind: "otlp-http",
        ...(endpoint ? { endpoint } : {}),
        protocol: e.protocol,
        headers,
        ...(tls ? { tls } : {}),
      }
    : { kind: "otlp-grpc", ...(endpoint ? { endpoint } : {}), headers, ...(tls ? { tls } : {}) };
}

/**
 * `[otel]` (raw TOML table or already-parsed) → settings for `installTelemetry`. Relative TLS
 * paths resolve against `dir` (the config directory); `${VAR}` in header values expands from
 * `env`. Throws `ConfigError` naming the key (e.g. `otel.trace_exporter.otlp-http.endpoint`).
 *
 * @example
 * const loaded = loadConfig();
 * const otel = resolveOtelSettings(loaded.raw.otel, { dir: loaded.dir });
 */
export function resolveOtelSettings(
  raw: unknown,
  options: { dir: string; env?: NodeJS.ProcessEnv; file?: string },
): OtelSettings {
  const env = options.env ?? process.env;
  const parsed = OtelTomlSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = ["otel", ...issue.path.map(String)].join(".");
    const where = options.file ? `${options.file}: ` : "";
    throw new ConfigError(`${where}${key}: ${issue.message}`, options.file, undefined, key);
  }
  const t = parsed.data;
  return {
    environment: t.environment,
    exporter: resolveExporter(t.exporter, "otel.exporter", options.dir, env),
    traceExporter: resolveExporter(t.trace_exporter, "otel.trace_exporter", options.dir, env),
    metricsExporter: resolveExporter(t.metrics_exporter, "otel.metrics_exporter", options.dir, env),
    runtimeMetrics: t.runtime_metrics,
    spanAttributes: { ...t.span_attributes },
    tracestate: Object.fromEntries(Object.entries(t.tracestate).map(([k, v]) => [k, { ...v }])),
    logUserPrompt: t.log_user_prompt,
    genaiSpanNames: t.genai_span_names,
  };
}

/** `[otel]` of a loaded config (after `-c` overrides), resolved against its directory. */
export function otelSettingsFromConfig(
  loaded: { raw: Record<string, unknown>; dir: string; file: string },
  env: NodeJS.ProcessEnv = process.env,
): OtelSettings {
  return resolveOtelSettings(loaded.raw.otel, { dir: loaded.dir, env, file: loaded.file });
}
