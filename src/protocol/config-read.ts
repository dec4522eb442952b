import { z } from "zod";

export const ConfigReadParamsSchema = z.object({
  includeLayers: z.boolean().optional(),
  cwd: z.string().nullish(),
});
export type ConfigReadParams = z.infer<typeof ConfigReadParamsSchema>;

/** Where a config value came from (`ConfigLayerSource`, tagged by `type`). */
export type ConfigLayerSource =
  | { type: "user"; file: string; profile?: string | null }
  | { type: "sessionFlags" }
  | { type: "system"; file: string }
  | { type: "packagedDefaults"; file: string };

export interface ConfigLayerMetadata {
  name: ConfigLayerSource;
  version: string;
}

export interface ConfigLayer {
  name: ConfigLayerSource;
  version: string;
  config: unknown;
  disabledReason?: string | null;
}

export interface ConfigReadResponse {
  config: Record<string, unknown>;
  origins: Record<string, ConfigLayerMetadata>;
  layers?: ConfigLayer[] | null;
}
