export { PatchApplyError, patchPaths, verifyPatch, writeChanges } from "./apply.js";
export type { FileChange } from "./apply.js";
export { PatchParseError, parsePatch } from "./parse.js";
export type { PatchHunk, UpdateChunk } from "./parse.js";
export { TurnDiff, unifiedDiff } from "./turn-diff.js";
