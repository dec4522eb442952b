import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { writePrettyJson } from "../json-text.js";
import type { ReducedState } from "./graph.js";

/**
 * Writes `state.json` through a temporary file renamed into place, so a failed write never leaves
 * a partial file behind. The text is streamed in chunks; the whole document is never one string.
 */
export function writeStateFile(state: ReducedState, path: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writePrettyJson(state, (chunk) => {
      writeSync(fd, chunk);
    });
    closeSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  renameSync(tmp, path);
}
