import { z } from "zod";

export const ClientInfoSchema = z.object({
  name: z.string(),
  title: z.string().nullish(),
  version: z.string(),
});

export const InitializeCapabilitiesSchema = z
  .object({
    experimentalApi: z.boolean().optional(),
    optOutNotificationMethods: z.array(z.string()).nullish(),
  })
  // Other capability flags (requestAttestation, extensions, …) are accepted and ignored.
  .loose();

export const InitializeParamsSchema = z.object({
  clientInfo: ClientInfoSchema,
  capabilities: InitializeCapabilitiesSchema.nullish(),
});
export type InitializeParams = z.infer<typeof InitializeParamsSchema>;

export interface InitializeResponse {
  userAgent: string;
  codexHome: string;
  platformFamily: string;
  platformOs: string;
}
