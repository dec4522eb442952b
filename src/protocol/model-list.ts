import { z } from "zod";

export const ModelListParamsSchema = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(0).max(0xffffffff).nullish(),
  includeHidden: z.boolean().nullish(),
  modelProvider: z.string().nullish(),
});
export type ModelListParams = z.infer<typeof ModelListParamsSchema>;

export interface ReasoningEffortOption {
  reasoningEffort: string;
  description: string;
}

export type InputModality = "text" | "image" | "audio";

export interface Model {
  id: string;
  model: string;
  displayName: string;
  description: string;
  hidden: boolean;
  isDefault: boolean;
  supportedReasoningEfforts: ReasoningEffortOption[];
  defaultReasoningEffort: string;
  inputModalities?: InputModality[];
  supportsPersonality?: boolean;
  upgrade?: string | null;
}

export interface ModelListResponse {
  data: Model[];
  nextCursor: string | null;
}
