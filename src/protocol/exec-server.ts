import { z } from "zod";

// The exec-server protocol (spec/app-server.md §9, Codex's `exec-server/src/protocol.rs`).
// Params are parsed leniently where Codex has serde defaults and strictly where it has none.

export const ExecMethod = {
  Initialize: "initialize",
  Initialized: "initialized",
  ProcessStart: "process/start",
  ProcessRead: "process/read",
  ProcessWrite: "process/write",
  ProcessSignal: "process/signal",
  ProcessTerminate: "process/terminate",
  EnvironmentInfo: "environment/info",
  ProcessOutput: "process/output",
  ProcessExited: "process/exited",
  ProcessClosed: "process/closed",
} as const;

/** Base64 bytes, as serde's `base64_bytes` writes them (standard alphabet, padded). */
export const Base64Schema = z.base64();

export const ExecInitializeParamsSchema = z.object({
  clientName: z.string(),
  resumeSessionId: z.string().nullish(),
});
export type ExecInitializeParams = z.infer<typeof ExecInitializeParamsSchema>;
export const ExecInitializeResponseSchema = z.object({ sessionId: z.string() });
export type ExecInitializeResponse = z.infer<typeof ExecInitializeResponseSchema>;

// The OS cannot carry a NUL inside an argument, path or environment entry; refusing it here makes
// it -32602 naming the field instead of a spawn failure (-32603).
const OsString = z.string().refine((s) => !s.includes("\0"), "must not contain a NUL byte");

export const ExecEnvPolicySchema = z.object({
  inherit: z.enum(["all", "core", "none"]),
  ignoreDefaultExcludes: z.boolean(),
  exclude: z.array(z.string()),
  set: z.record(OsString, OsString),
  includeOnly: z.array(z.string()),
});
export type ExecEnvPolicy = z.infer<typeof ExecEnvPolicySchema>;

export const ProcessStartParamsSchema = z.object({
  processId: z.string().min(1),
  argv: z.array(OsString),
  cwd: OsString,
  env: z.record(OsString, OsString),
  tty: z.boolean(),
  pipeStdin: z.boolean().optional(),
  arg0: OsString.nullable(),
  envPolicy: ExecEnvPolicySchema.nullish(),
  // Accepted so a Codex client's request parses; Spool enforces neither, and refuses to run a
  // process that asks for them rather than run it unconfined.
  sandbox: z.unknown().optional(),
  enforceManagedNetwork: z.boolean().optional(),
  managedNetwork: z.unknown().optional(),
});
export type ProcessStartParams = z.infer<typeof ProcessStartParamsSchema>;
export const ProcessStartResponseSchema = z.object({ processId: z.string() });
export type ProcessStartResponse = z.infer<typeof ProcessStartResponseSchema>;

const SeqSchema = z.number().int().nonnegative();

export const ProcessReadParamsSchema = z.object({
  processId: z.string(),
  afterSeq: SeqSchema.nullish(),
  maxBytes: z.number().int().nonnegative().nullish(),
  waitMs: z.number().int().nonnegative().nullish(),
});
export type ProcessReadParams = z.infer<typeof ProcessReadParamsSchema>;

export const ExecOutputStreamSchema = z.enum(["stdout", "stderr", "pty"]);
export type ExecOutputStream = z.infer<typeof ExecOutputStreamSchema>;

export const ProcessOutputChunkSchema = z.object({
  seq: SeqSchema,
  stream: ExecOutputStreamSchema,
  /** Base64. */
  chunk: z.string(),
});
export type ProcessOutputChunk = z.infer<typeof ProcessOutputChunkSchema>;

export const ProcessReadResponseSchema = z.object({
  chunks: z.array(ProcessOutputChunkSchema),
  nextSeq: SeqSchema,
  exited: z.boolean(),
  exitCode: z.number().int().nullable(),
  closed: z.boolean(),
  failure: z.string().nullable(),
  sandboxDenied: z.boolean(),
  /**
   * Spool extension: output bytes after `afterSeq` that the bounded retention ring discarded
   * before this read (0 when nothing was lost). Codex clients ignore the unknown field, and a
   * Codex exec-server does not send it.
   */
  droppedBytes: z.number().int().nonnegative().default(0),
});
export type ProcessReadResponse = z.infer<typeof ProcessReadResponseSchema>;

export const ProcessWriteParamsSchema = z.object({
  processId: z.string(),
  chunk: Base64Schema,
  writeId: z.string(),
});
export type ProcessWriteParams = z.infer<typeof ProcessWriteParamsSchema>;
export const WriteStatusSchema = z.enum(["accepted", "unknownProcess", "stdinClosed", "starting"]);
export type WriteStatus = z.infer<typeof WriteStatusSchema>;
export const ProcessWriteResponseSchema = z.object({ status: WriteStatusSchema });
export type ProcessWriteResponse = z.infer<typeof ProcessWriteResponseSchema>;

export const ProcessSignalParamsSchema = z.object({
  processId: z.string(),
  signal: z.literal("interrupt"),
});
export type ProcessSignalParams = z.infer<typeof ProcessSignalParamsSchema>;
export const ProcessSignalResponseSchema = z.object({});
export type ProcessSignalResponse = z.infer<typeof ProcessSignalResponseSchema>;

export const ProcessTerminateParamsSchema = z.object({ processId: z.string() });
export type ProcessTerminateParams = z.infer<typeof ProcessTerminateParamsSchema>;
export const ProcessTerminateResponseSchema = z.object({ running: z.boolean() });
export type ProcessTerminateResponse = z.infer<typeof ProcessTerminateResponseSchema>;

export const EnvironmentInfoParamsSchema = z.object({}).loose();

export const EnvironmentInfoResponseSchema = z.object({
  shell: z.object({ name: z.string(), path: z.string() }),
  cwd: z.string().nullable(),
});
export type EnvironmentInfoResponse = z.infer<typeof EnvironmentInfoResponseSchema>;

export const ProcessOutputNotificationSchema = z.object({
  processId: z.string(),
  seq: SeqSchema,
  stream: ExecOutputStreamSchema,
  chunk: z.string(),
});
export type ProcessOutputNotification = z.infer<typeof ProcessOutputNotificationSchema>;

export const ProcessExitedNotificationSchema = z.object({
  processId: z.string(),
  seq: SeqSchema,
  exitCode: z.number().int(),
});
export type ProcessExitedNotification = z.infer<typeof ProcessExitedNotificationSchema>;

export const ProcessClosedNotificationSchema = z.object({
  processId: z.string(),
  seq: SeqSchema,
});
export type ProcessClosedNotification = z.infer<typeof ProcessClosedNotificationSchema>;
