import { resolve } from "node:path";
import type { ModelProvider } from "../config/index.js";
import type {
  AskForApproval,
  ThreadForkParams,
  ThreadResumeParams,
  ThreadStartParams,
} from "../protocol/index.js";
import { autoCompactLimit } from "./compaction/index.js";
import { InvalidCoreArgumentError } from "./errors.js";
import { sandboxPolicyOf, type ThreadSettings } from "./settings.js";
import type { ThreadManagerOptions } from "./thread-manager.js";

type SettingsSource = Pick<ThreadManagerOptions, "config" | "providers" | "defaultProvider" | "defaultModel">;

/** The provider `id` names, or `InvalidCoreArgumentError`. */
export function providerOf(providers: ReadonlyMap<string, ModelProvider>, id: string): ModelProvider {
  const p = providers.get(id);
  if (!p) throw new InvalidCoreArgumentError(`modelProvider: unknown provider ${JSON.stringify(id)}`);
  return p;
}

/**
 * A thread's settings from its request's params over `base` (the loaded or stored thread's),
 * then config.toml, then the server's defaults.
 */
export function resolveThreadSettings(
  options: SettingsSource,
  params: ThreadStartParams | ThreadResumeParams | ThreadForkParams,
  base: ThreadSettings | undefined,
): ThreadSettings {
  const cfg = options.config.config;
  const providerId = params.modelProvider ?? base?.modelProvider ?? options.defaultProvider.id;
  providerOf(options.providers, providerId);
  const configApproval: AskForApproval | undefined =
    cfg.approval_policy === "on-failure" ? "on-request" : (cfg.approval_policy as AskForApproval | undefined);
  return {
    model: params.model ?? base?.model ?? options.defaultModel,
    modelProvider: providerId,
    cwd: params.cwd ? resolve(params.cwd) : (base?.cwd ?? process.cwd()),
    approvalPolicy: params.approvalPolicy ?? base?.approvalPolicy ?? configApproval ?? "on-request",
    approvalsReviewer: params.approvalsReviewer ?? base?.approvalsReviewer ?? "user",
    sandbox: params.sandbox
      ? sandboxPolicyOf(params.sandbox)
      : (base?.sandbox ?? sandboxPolicyOf(cfg.sandbox_mode ?? "read-only")),
    reasoningEffort: base?.reasoningEffort ?? cfg.model_reasoning_effort ?? null,
    reasoningSummary: base?.reasoningSummary ?? "auto",
    baseInstructions: params.baseInstructions ?? base?.baseInstructions ?? null,
    developerInstructions: params.developerInstructions ?? base?.developerInstructions ?? null,
    serviceTier: params.serviceTier ?? base?.serviceTier ?? null,
    autoCompactTokenLimit: autoCompactLimit(cfg),
  };
}
