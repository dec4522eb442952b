import { z } from "zod";

export const ModelListParamsSchema = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(0).max(0xffffffff).nullish(),
  includeHidden: z.boolean().nullish(),
  modelProvider: z.string().nullish(),
});
export type ModelListParams = z.infer<typeof ModelListParamsSchema>;

export const ReasoningEffortOptionSchema = z.object({
  reasoningEffort: z.string(),
  description: z.string(),
});
export type ReasoningEffortOption = z.infer<typeof ReasoningEffortOptionSchema>;

export const InputModalitySchema = z.enum(["text", "image", "audio"]);
export type InputModality = z.infer<typeof InputModalitySchema>;

export const ModelSchema = z.object({
  id: z.string(),
  model: z.string(),
  displayName: z.string(),
  description: z.string(),
  hidden: z.boolean(),
  isDefault: z.boolean(),
  supportedReasoningEfforts: z.array(ReasoningEffortOptionSchema),
  defaultReasoningEffort: z.string(),
  inputModalities: z.array(InputModalitySchema).optional(),
  supportsPersonality: z.boolean().optional(),
  upgrade: z.string().nullish(),
});
export type Model = z.infer<typeof ModelSchema>;

export const ModelListResponseSchema = z.object({
  data: z.array(ModelSchema),
  nextCursor: z.string().nullable(),
});
export type ModelListResponse = z.infer<typeof ModelListResponseSchema>;
