// The reducer's public surface, importable on its own: `spool debug trace-reduce` loads this and
// not the recorder, whose telemetry would double the verb's start-up.
export { reduceBundle, stateJson } from "./reduce-bundle.js";
export type { ReduceOptions, ReduceResult } from "./reduce-bundle.js";
export { directoryPayloadSource } from "./payload-source.js";
export type {
  PayloadBody,
  PayloadSource,
  PayloadSourceEnd,
  PayloadSourceFactory,
  PayloadUse,
} from "./payload-source.js";
export type { ReducedState } from "./graph.js";
export { writeStateFile } from "./state-file.js";
export { formatSummary, summarizeReduction } from "./summary.js";
export type { AttentionEntry, ReductionSummary, StatusCounts } from "./summary.js";
export { TraceReduceError } from "../errors.js";
export type { TraceErrorLocation } from "../errors.js";
