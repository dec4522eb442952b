import { z } from "zod";

// Client-run tools (codex-schema-experimental 0.169.0: `DynamicToolSpec`, `DynamicToolCallParams`,
// `DynamicToolCallResponse`, the `dynamicToolCall` item). A client registers them on
// `thread/start`; when the model calls one the server asks that client with `item/tool/call`.

const DynamicFunctionSchema = z
  .object({
    type: z.literal("function").optional(),
    name: z.string().min(1),
    description: z.string(),
    inputSchema: z.unknown(),
    /** Loaded only on request (tool search); Spool has no tool search, so it does not offer these. */
    deferLoading: z.boolean().optional(),
  })
  .loose();
export type DynamicFunctionSpec = z.infer<typeof DynamicFunctionSchema>;

export const DynamicToolSpecSchema = z.union([
  z
    .object({
      type: z.literal("namespace"),
      name: z.string().min(1),
      description: z.string(),
      tools: z.array(DynamicFunctionSchema.extend({ type: z.literal("function") })),
    })
    .loose(),
  DynamicFunctionSchema,
]);
export type DynamicToolSpec = z.infer<typeof DynamicToolSpecSchema>;

export const DynamicToolCallParamsSchema = z.object({
  threadId: z.string(),
  turnId: z.string(),
  callId: z.string(),
  namespace: z.string().nullable(),
  tool: z.string(),
  arguments: z.unknown(),
});
export type DynamicToolCallParams = z.infer<typeof DynamicToolCallParamsSchema>;

export const DynamicToolCallOutputContentItemSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("inputText"), text: z.string() }),
  z.object({ type: z.literal("inputImage"), imageUrl: z.string() }),
  z.object({ type: z.literal("inputAudio"), audioUrl: z.string() }),
]);
export type DynamicToolCallOutputContentItem = z.infer<typeof DynamicToolCallOutputContentItemSchema>;

export const DynamicToolCallResponseSchema = z.object({
  contentItems: z.array(DynamicToolCallOutputContentItemSchema),
  success: z.boolean(),
});
export type DynamicToolCallResponse = z.infer<typeof DynamicToolCallResponseSchema>;
