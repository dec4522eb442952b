import { z } from "zod";

// v2 `UserInput` (codex-schema `UserInput`): what `turn/start` and `turn/steer` carry and what a
// `turn_input` submission hands core. Tagged by `type`, camelCase as on the wire.

export const ByteRangeSchema = z.object({ start: z.number().int(), end: z.number().int() });

export const TextElementSchema = z.object({
  byteRange: ByteRangeSchema,
  placeholder: z.string().nullish(),
});
export type TextElement = z.infer<typeof TextElementSchema>;

const ImageDetailSchema = z.enum(["auto", "low", "high", "original"]).nullish();

export const UserInputSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("text"),
    text: z.string(),
    text_elements: z.array(TextElementSchema).default([]),
  }),
  z.object({
    type: z.literal("image"),
    url: z.string().optional(),
    fileId: z.string().optional(),
    detail: ImageDetailSchema,
  }),
  z.object({ type: z.literal("localImage"), path: z.string(), detail: ImageDetailSchema }),
  z.object({ type: z.literal("audio"), url: z.string().optional(), fileId: z.string().optional() }),
  z.object({ type: z.literal("localAudio"), path: z.string() }),
  z.object({ type: z.literal("skill"), name: z.string(), path: z.string() }),
  z.object({ type: z.literal("mention"), name: z.string(), path: z.string() }),
]);
export type UserInput = z.infer<typeof UserInputSchema>;

/** What `review/start` reviews (codex-schema `ReviewTarget`). */
export const ReviewTargetSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("uncommittedChanges") }),
  z.object({ type: z.literal("baseBranch"), branch: z.string() }),
  z.object({ type: z.literal("commit"), sha: z.string(), title: z.string().nullish() }),
  z.object({ type: z.literal("custom"), instructions: z.string() }),
]);
export type ReviewTarget = z.infer<typeof ReviewTargetSchema>;
