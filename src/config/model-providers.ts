import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError } from "./errors.js";
import { locateKey } from "./locate.js";

/** Codex caps both retry budgets at 100 whatever config.toml says. */
export const MAX_PROVIDER_RETRIES = 100;
export const DEFAULT_REQUEST_MAX_RETRIES = 4;
export const DEFAULT_STREAM_MAX_RETRIES = 5;
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
export const DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS = 15_000;
export const BUILTIN_OPENAI_PROVIDER_ID = "openai";

const stringMap = z.record(z.string(), z.string());
const nonNegativeInt = z.number().int().nonnegative();

/**
 * One `[model_providers.<id>]` table as written in config.toml. Keys Spool does not use (e.g.
 * Codex's `requires_openai_auth`) are accepted so a Codex config.toml works unchanged.
 */
export const ModelProviderTomlSchema = z
  .object({
    name: z.string().min(1).optional(),
    base_url: z.url({ protocol: /^https?$/ }).optional(),
    env_key: z.string().min(1).optional(),
    env_key_instructions: z.string().optional(),
    wire_api: z.literal("responses", { error: 'only wire_api = "responses" is supported' }).optional(),
    query_params: stringMap.optional(),
    http_headers: stringMap.optional(),
    env_http_headers: stringMap.optional(),
    request_max_retries: nonNegativeInt.optional(),
    stream_max_retries: nonNegativeInt.optional(),
    stream_idle_timeout_ms: z.number().int().positive().optional(),
    supports_websockets: z.boolean().optional(),
    websocket_connect_timeout_ms: z.number().int().positive().optional(),
    /** The key's first name in Codex; accepted as an alias of `websocket_connect_timeout_ms`. */
    websocket_startup_timeout_ms: z.number().int().positive().optional(),
  })
  .loose();
export type ModelProviderToml = z.infer<typeof ModelProviderTomlSchema>;

/** A provider with every default applied; what the model client works from. */
export interface ModelProvider {
  id: string;
  name: string;
  /** Base URL without a trailing slash, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Environment variable holding the API key; no key is sent when absent. */
  envKey: string | undefined;
  envKeyInstructions: string | undefined;
  wireApi: "responses";
  queryParams: Record<string, string>;
  httpHeaders: Record<string, string>;
  /** Header name → environment variable; a header is sent only when its variable is set. */
  envHttpHeaders: Record<string, string>;
  requestMaxRetries: number;
  streamMaxRetries: number;
  streamIdleTimeoutMs: number;
  supportsWebsockets: boolean;
  websocketConnectTimeoutMs: number;
}

/** The built-in `openai` provider (`OPENAI_BASE_URL` overrides its base URL, as in Codex). */
export function builtinOpenAiProvider(env: NodeJS.ProcessEnv = process.env): ModelProviderToml {
  const base = env.OPENAI_BASE_URL?.trim();
  return {
    name: "OpenAI",
    base_url: base ? base : "https://api.openai.com/v1",
    env_key: "OPENAI_API_KEY",
    env_key_instructions:
      "Create an API key at https://platform.openai.com/api-keys and export OPENAI_API_KEY.",
    wire_api: "responses",
    env_http_headers: { "OpenAI-Organization": "OPENAI_ORGANIZATION", "OpenAI-Project": "OPENAI_PROJECT" },
    supports_websockets: true,
  };
}

function capRetries(n: number | undefined, fallback: number): number {
  return Math.min(n ?? fallback, MAX_PROVIDER_RETRIES);
}

/** Applies defaults to one validated provider table. */
export function finishModelProvider(id: string, t: ModelProviderToml): ModelProvider {
  if (!t.base_url)
    throw new ConfigError(
      `model_providers.${id}.base_url: required`,
      undefined,
      undefined,
      `model_providers.${id}.base_url`,
    );
  return {
    id,
    name: t.name ?? id,
    baseUrl: t.base_url.replace(/\/+$/, ""),
    envKey: t.env_key,
    envKeyInstructions: t.env_key_instructions,
    wireApi: "responses",
    queryParams: t.query_params ?? {},
    httpHeaders: t.http_headers ?? {},
    envHttpHeaders: t.env_http_headers ?? {},
    requestMaxRetries: capRetries(t.request_max_retries, DEFAULT_REQUEST_MAX_RETRIES),
    streamMaxRetries: capRetries(t.stream_max_retries, DEFAULT_STREAM_MAX_RETRIES),
    streamIdleTimeoutMs: t.stream_idle_timeout_ms ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    supportsWebsockets: t.supports_websockets ?? false,
    websocketConnectTimeoutMs:
      t.websocket_connect_timeout_ms ??
      t.websocket_startup_timeout_ms ??
      DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS,
  };
}

export interface ResolveModelProvidersOptions {
  env?: NodeJS.ProcessEnv;
  /** config.toml path, for `file:line` in error messages. */
  file?: string;
  /**
   * Called for an invalid provider instead of throwing, so unused providers Spool cannot serve
   * do not stop start-up; `strictId`'s provider still throws. Without it every provider must be valid.
   */
  onInvalid?: (id: string, error: ConfigError) => void;
  /** The provider that must be valid even with `onInvalid` (the one `model_provider` selects). */
  strictId?: string;
  /** Which layer set each leaf key (`LoadedConfig.origins`): keys set by `-c` are blamed on `-c`. */
  origins?: Readonly<Record<string, { name: { type: string } }>>;
}

function configError(
  path: (string | number)[],
  message: string,
  options: ResolveModelProvidersOptions,
): ConfigError {
  const key = path.map(String).join(".");
  if (options.origins?.[key]?.name.type === "sessionFlags") {
    return new ConfigError(`-c ${key}: ${message}`, undefined, undefined, key);
  }
  const file = options.file;
  let text: string | undefined;
  try {
    text = file === undefined ? undefined : readFileSync(file, "utf8");
  } catch {
    // A config.toml that does not exist set nothing: name the key alone.
    text = undefined;
  }
  if (text === undefined) return new ConfigError(`${key}: ${message}`, undefined, undefined, key);
  const line = locateKey(text, path);
  const where = line === undefined ? `${file}: ` : `${file}:${line}: `;
  return new ConfigError(`${where}${key}: ${message}`, file, line, key);
}

/**
 * Every provider available to a session: the built-in `openai` plus each
 * `[model_providers.<id>]` (a user `openai` table overrides the built-in key by key). Throws
 * `ConfigError` naming the key for a bad value.
 */
export function resolveModelProviders(
  tables: Record<string, Record<string, unknown>> | undefined,
  options: ResolveModelProvidersOptions = {},
): Map<string, ModelProvider> {
  const env = options.env ?? process.env;
  const out = new Map<string, ModelProvider>();
  const raw: Record<string, Record<string, unknown>> = { ...(tables ?? {}) };
  raw[BUILTIN_OPENAI_PROVIDER_ID] = {
    ...builtinOpenAiProvider(env),
    ...(raw[BUILTIN_OPENAI_PROVIDER_ID] ?? {}),
  };
  for (const [id, table] of Object.entries(raw)) {
    const parsed = ModelProviderTomlSchema.safeParse(table);
    let problem: ConfigError | undefined;
    let wrongType = false;
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      wrongType = issue.code === "invalid_type";
      problem = configError(
        ["model_providers", id, ...(issue.path as (string | number)[])],
        issue.message,
        options,
      );
    } else if (!parsed.data.base_url) {
      problem = configError(["model_providers", id, "base_url"], "required", options);
    }
    if (problem) {
      // A Codex config.toml may define providers Spool cannot use (e.g. `wire_api = "chat"`);
      // only the one in use must be servable. A value of the wrong type is a mistake wherever it is.
      if (!options.onInvalid || id === options.strictId || wrongType) throw problem;
      options.onInvalid(id, problem);
      continue;
    }
    out.set(id, finishModelProvider(id, parsed!.data!));
  }
  return out;
}

/**
 * The provider a session uses: `model_provider` (default `openai`) looked up among
 * `resolveModelProviders`. An unknown id fails at start, naming `model_provider`.
 */
export function selectModelProvider(
  config: {
    model_provider?: string | undefined;
    model_providers?: Record<string, Record<string, unknown>> | undefined;
  },
  options: ResolveModelProvidersOptions = {},
  resolved?: ReadonlyMap<string, ModelProvider>,
): ModelProvider {
  const id = config.model_provider ?? BUILTIN_OPENAI_PROVIDER_ID;
  const providers = resolved ?? resolveModelProviders(config.model_providers, { ...options, strictId: id });
  const provider = providers.get(id);
  if (!provider) {
    const known = [...providers.keys()].sort().join(", ");
    throw configError(
      ["model_provider"],
      `unknown model provider id ${JSON.stringify(id)} (known: ${known}; define [model_providers.${id}])`,
      options,
    );
  }
  return provider;
}
