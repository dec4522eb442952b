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

export const InitializeResponseSchema = z.object({
  userAgent: z.string(),
  codexHome: z.string(),
  platformFamily: z.string(),
  platformOs: z.string(),
});
export type InitializeResponse = z.infer<typeof InitializeResponseSchema>;
