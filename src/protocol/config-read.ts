import { z } from "zod";

export const ConfigReadParamsSchema = z.object({
  includeLayers: z.boolean().optional(),
  cwd: z.string().nullish(),
});
export type ConfigReadParams = z.infer<typeof ConfigReadParamsSchema>;

/** Where a config value came from (`ConfigLayerSource`, tagged by `type`). */
export const ConfigLayerSourceSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("user"), file: z.string(), profile: z.string().nullish() }),
  z.object({ type: z.literal("sessionFlags") }),
  z.object({ type: z.literal("system"), file: z.string() }),
  z.object({ type: z.literal("packagedDefaults"), file: z.string() }),
]);
export type ConfigLayerSource = z.infer<typeof ConfigLayerSourceSchema>;

export const ConfigLayerMetadataSchema = z.object({ name: ConfigLayerSourceSchema, version: z.string() });
export type ConfigLayerMetadata = z.infer<typeof ConfigLayerMetadataSchema>;

export const ConfigLayerSchema = z.object({
  name: ConfigLayerSourceSchema,
  version: z.string(),
  config: z.unknown(),
  disabledReason: z.string().nullish(),
});
export type ConfigLayer = z.infer<typeof ConfigLayerSchema>;

export const ConfigReadResponseSchema = z.object({
  config: z.record(z.string(), z.unknown()),
  origins: z.record(z.string(), ConfigLayerMetadataSchema),
  layers: z.array(ConfigLayerSchema).nullish(),
});
export type ConfigReadResponse = z.infer<typeof ConfigReadResponseSchema>;
