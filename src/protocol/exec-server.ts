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
export interface ExecInitializeResponse {
  sessionId: string;
}

export const ExecEnvPolicySchema = z.object({
  inherit: z.enum(["all", "core", "none"]),
  ignoreDefaultExcludes: z.boolean(),
  exclude: z.array(z.string()),
  set: z.record(z.string(), z.string()),
  includeOnly: z.array(z.string()),
});
export type ExecEnvPolicy = z.infer<typeof ExecEnvPolicySchema>;

export const ProcessStartParamsSchema = z.object({
  processId: z.string().min(1),
  argv: z.array(z.string()),
  cwd: z.string(),
  env: z.record(z.string(), z.string()),
  tty: z.boolean(),
  pipeStdin: z.boolean().optional(),
  arg0: z.string().nullable(),
  envPolicy: ExecEnvPolicySchema.nullish(),
  // Accepted so a Codex client's request parses; Spool enforces neither, and refuses to run a
  // process that asks for them rather than run it unconfined.
  sandbox: z.unknown().optional(),
  enforceManagedNetwork: z.boolean().optional(),
  managedNetwork: z.unknown().optional(),
});
export type ProcessStartParams = z.infer<typeof ProcessStartParamsSchema>;
export interface ProcessStartResponse {
  processId: string;
}

const SeqSchema = z.number().int().nonnegative();

export const ProcessReadParamsSchema = z.object({
  processId: z.string(),
  afterSeq: SeqSchema.nullish(),
  maxBytes: z.number().int().nonnegative().nullish(),
  waitMs: z.number().int().nonnegative().nullish(),
});
export type ProcessReadParams = z.infer<typeof ProcessReadParamsSchema>;

export type ExecOutputStream = "stdout" | "stderr" | "pty";
export const ExecOutputStreamSchema = z.enum(["stdout", "stderr", "pty"]);

export interface ProcessOutputChunk {
  seq: number;
  stream: ExecOutputStream;
  /** Base64. */
  chunk: string;
}

export interface ProcessReadResponse {
  chunks: ProcessOutputChunk[];
  nextSeq: number;
  exited: boolean;
  exitCode: number | null;
  closed: boolean;
  failure: string | null;
  sandboxDenied: boolean;
  /**
   * Spool extension: output bytes after `afterSeq` that the bounded retention ring discarded
   * before this read (0 when nothing was lost). Codex clients ignore the unknown field.
   */
  droppedBytes: number;
}

export const ProcessWriteParamsSchema = z.object({
  processId: z.string(),
  chunk: Base64Schema,
  writeId: z.string(),
});
export type ProcessWriteParams = z.infer<typeof ProcessWriteParamsSchema>;
export type WriteStatus = "accepted" | "unknownProcess" | "stdinClosed" | "starting";
export interface ProcessWriteResponse {
  status: WriteStatus;
}

export const ProcessSignalParamsSchema = z.object({
  processId: z.string(),
  signal: z.literal("interrupt"),
});
export type ProcessSignalParams = z.infer<typeof ProcessSignalParamsSchema>;

export const ProcessTerminateParamsSchema = z.object({ processId: z.string() });
export type ProcessTerminateParams = z.infer<typeof ProcessTerminateParamsSchema>;
export interface ProcessTerminateResponse {
  running: boolean;
}

export interface EnvironmentInfoResponse {
  shell: { name: string; path: string };
  cwd: string | null;
}

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
