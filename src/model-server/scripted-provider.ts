import type { ModelProvider } from "../config/index.js";
import { finishModelProvider } from "../config/index.js";

/**
 * A provider pointing at a scripted model server (no API key; fast failure settings suited to
 * an embedded model). Override any field through `overrides`.
 */
export function scriptedModelProvider(url: string, overrides: Partial<ModelProvider> = {}): ModelProvider {
  return {
    ...finishModelProvider("scripted", {
      name: "Scripted",
      base_url: url,
      request_max_retries: 2,
      stream_max_retries: 2,
      stream_idle_timeout_ms: 30_000,
      supports_websockets: false,
      websocket_connect_timeout_ms: 2_000,
    }),
    ...overrides,
  };
}
