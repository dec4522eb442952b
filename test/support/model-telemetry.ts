import type { ModelClientTelemetry } from "../../src/model-client/index.js";

export type TelemetryCall = { method: string; args: unknown[] };

/** A ModelClientTelemetry that records every call, for asserting names and fields. */
export function recordingTelemetry(): ModelClientTelemetry & { calls: TelemetryCall[] } {
  const calls: TelemetryCall[] = [];
  const rec =
    (method: string) =>
    (...args: unknown[]) =>
      calls.push({ method, args });
  return {
    calls,
    apiRequest: rec("apiRequest"),
    sseEvent: rec("sseEvent"),
    websocketRequest: rec("websocketRequest"),
    websocketEvent: rec("websocketEvent"),
    inference: rec("inference"),
    counter: rec("counter"),
    histogram: rec("histogram"),
    recordDuration: rec("recordDuration"),
  };
}
