import type { ModelProvider } from "../config/index.js";
import { MissingApiKeyError } from "./errors.js";

export const API_PATH = "/responses";
/** The WebSocket protocol version Codex pins on every handshake. */
const WEBSOCKET_BETA = "responses_websockets=2026-02-06";

/** `<base_url>/responses` with the provider's query params. */
export function endpointUrl(provider: ModelProvider): string {
  const u = new URL(provider.baseUrl + API_PATH);
  for (const [k, v] of Object.entries(provider.queryParams)) u.searchParams.set(k, v);
  return u.toString();
}

/** Host and port of the provider, for the `server.*` span attributes. */
export function serverOf(provider: ModelProvider): { address: string; port: number } {
  const u = new URL(provider.baseUrl);
  return { address: u.hostname, port: u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80 };
}

/**
 * Request headers from the provider: `http_headers`, the `env_http_headers` whose variable is
 * set, and `Authorization` from `env_key`. Reads `env` on every call so a key exported after
 * start is picked up; throws `MissingApiKeyError` naming `env_key` when its variable is unset.
 */
export function providerHeaders(
  provider: ModelProvider,
  env: NodeJS.ProcessEnv,
  sessionId: string | undefined,
  extra: Record<string, string> | undefined,
): Record<string, string> {
  const h: Record<string, string> = { ...provider.httpHeaders };
  for (const [name, variable] of Object.entries(provider.envHttpHeaders)) {
    const v = env[variable];
    if (v !== undefined && v.trim() !== "") h[name] = v;
  }
  if (provider.envKey) {
    const key = env[provider.envKey];
    if (key === undefined || key.trim() === "") {
      throw new MissingApiKeyError(provider.id, provider.envKey, provider.envKeyInstructions);
    }
    h.authorization = `Bearer ${key.trim()}`;
  }
  if (sessionId) h.session_id = sessionId;
  return { ...h, ...extra };
}

/** Handshake headers: the request headers plus `OpenAI-Beta` unless the provider set one. */
export function websocketHeaders(headers: Record<string, string>): Record<string, string> {
  const h = { ...headers };
  if (!Object.keys(h).some((k) => k.toLowerCase() === "openai-beta")) h["OpenAI-Beta"] = WEBSOCKET_BETA;
  return h;
}
