import { z } from "zod";
import { ObserveTomlSchema } from "./observe-settings.js";
import { OtelTomlSchema } from "./otel-settings.js";

export const AskForApprovalSchema = z.union([
  // `on-failure` is not in the v2 wire schema but Codex's config.toml still accepts it.
  z.enum(["untrusted", "on-failure", "on-request", "never"]),
  z
    .object({
      granular: z.object({
        sandbox_approval: z.boolean(),
        rules: z.boolean(),
        mcp_elicitations: z.boolean(),
        request_permissions: z.boolean().optional(),
        skill_approval: z.boolean().optional(),
      }),
    })
    .strict(),
]);

export const SandboxModeSchema = z.enum(["read-only", "workspace-write", "danger-full-access"]);

/** One entry of Spool's `[[model_catalog]]` (what `model/list` serves). */
export const CatalogModelSchema = z.object({
  id: z.string().min(1),
  model: z.string().min(1).optional(),
  display_name: z.string().optional(),
  description: z.string().default(""),
  hidden: z.boolean().default(false),
  is_default: z.boolean().default(false),
  default_reasoning_effort: z.string().min(1).default("medium"),
  supported_reasoning_efforts: z.array(z.string().min(1)).default(["low", "medium", "high"]),
  input_modalities: z.array(z.enum(["text", "image", "audio"])).optional(),
});
export type CatalogModel = z.infer<typeof CatalogModelSchema>;

/**
 * The keys of Codex's config.toml that Spool reads. Unknown keys pass through untouched (a Codex
 * config.toml works unchanged) and are noted once at debug level. Sections owned by later layers
 * (`model_providers`) are typed by the modules that use them; `[otel]` is validated here so
 * errors carry a line number, and resolved for telemetry by `resolveOtelSettings`.
 */
export const SpoolConfigSchema = z
  .object({
    model: z.string().min(1).optional(),
    model_provider: z.string().min(1).optional(),
    model_reasoning_effort: z.string().min(1).optional(),
    approval_policy: AskForApprovalSchema.optional(),
    sandbox_mode: SandboxModeSchema.optional(),
    model_providers: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    otel: OtelTomlSchema.optional(),
    rollout_trace: z
      .object({
        root: z.string().min(1).optional(),
        /** Bundle schema Spool writes: 2 (Codex 0.169, the default until Spool follows 0.171) or 3. */
        schema: z.union([z.literal(2), z.literal(3)]).default(2),
        /** Codex 0.171's per-payload limit (schema 3): larger payloads are fragmented or truncated. */
        max_payload_bytes: z.number().int().positive().optional(),
        /** Codex 0.171's bundle byte budget (schema 3): once spent, payloads are omitted. */
        max_bytes: z.number().int().positive().optional(),
      })
      .loose()
      .optional(),
    model_catalog: z.array(CatalogModelSchema).optional(),
    /** A remote exec-server (`ws://…`) for the shell tools; `SPOOL_EXEC_SERVER_URL` wins. */
    exec_server_url: z.string().min(1).optional(),
    observe: ObserveTomlSchema.optional(),
    /** Tokens after which a turn compacts its thread's history (Codex's key). */
    model_auto_compact_token_limit: z.number().int().positive().optional(),
    /** The model's context window; without an explicit limit, auto-compaction starts at 90% of it. */
    model_context_window: z.number().int().positive().optional(),
  })
  .loose();
export type SpoolConfig = z.infer<typeof SpoolConfigSchema>;

/** Top-level keys Spool acts on; anything else is accepted and noted once. */
export const KNOWN_TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(Object.keys(SpoolConfigSchema.shape));
