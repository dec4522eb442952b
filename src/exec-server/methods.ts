import {
  EnvironmentInfoParamsSchema,
  EnvironmentInfoResponseSchema,
  ExecInitializeParamsSchema,
  ExecInitializeResponseSchema,
  ExecMethod,
  ProcessReadParamsSchema,
  ProcessReadResponseSchema,
  ProcessSignalParamsSchema,
  ProcessSignalResponseSchema,
  ProcessStartParamsSchema,
  ProcessStartResponseSchema,
  ProcessTerminateParamsSchema,
  ProcessTerminateResponseSchema,
  ProcessWriteParamsSchema,
  ProcessWriteResponseSchema,
} from "../protocol/index.js";
import { defineMethod } from "../rpc/index.js";

// The exec-server's methods, shared by the server that answers them and the client that calls them.

export const execInitialize = defineMethod({
  method: ExecMethod.Initialize,
  params: ExecInitializeParamsSchema,
  result: ExecInitializeResponseSchema,
});

export const processStart = defineMethod({
  method: ExecMethod.ProcessStart,
  params: ProcessStartParamsSchema,
  result: ProcessStartResponseSchema,
});

export const processRead = defineMethod({
  method: ExecMethod.ProcessRead,
  params: ProcessReadParamsSchema,
  result: ProcessReadResponseSchema,
});

export const processWrite = defineMethod({
  method: ExecMethod.ProcessWrite,
  params: ProcessWriteParamsSchema,
  result: ProcessWriteResponseSchema,
});

export const processSignal = defineMethod({
  method: ExecMethod.ProcessSignal,
  params: ProcessSignalParamsSchema,
  result: ProcessSignalResponseSchema,
});

export const processTerminate = defineMethod({
  method: ExecMethod.ProcessTerminate,
  params: ProcessTerminateParamsSchema,
  result: ProcessTerminateResponseSchema,
});

export const environmentInfo = defineMethod({
  method: ExecMethod.EnvironmentInfo,
  params: EnvironmentInfoParamsSchema,
  result: EnvironmentInfoResponseSchema,
});
