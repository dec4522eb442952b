export { CompactTask } from "./task.js";
export { autoCompactIfNeeded, autoCompactLimit } from "./auto.js";
export { ContextMeter } from "./meter.js";
export { approxItemTokens } from "./history.js";
export { usesRemoteCompaction } from "./run.js";
export type { CompactionTrigger } from "./run.js";
