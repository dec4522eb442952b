import { z } from "zod";

/** `thread/shellCommand` (codex-schema-experimental: ThreadShellCommandParams). */
export const ThreadShellCommandParamsSchema = z
  .object({
    threadId: z.string(),
    command: z.string(),
    timeoutMs: z.number().int().nonnegative().nullish(),
  })
  .loose();
export type ThreadShellCommandParams = z.infer<typeof ThreadShellCommandParamsSchema>;
export const ThreadShellCommandResponseSchema = z.object({});
