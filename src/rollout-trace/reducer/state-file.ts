import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { writePrettyJson } from "../json-text.js";
import type { ReducedState } from "./graph.js";

/**
 * Writes `state.json` through a temporary file beside `path`, renamed into place; on any failure
 * (a full disk, `path` being a directory) the temporary file is removed and `path` is untouched.
 * The text is streamed in chunks; the whole document is never one string.
 */
export function writeStateFile(state: ReducedState, path: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  let closed = false;
  try {
    writePrettyJson(state, (chunk) => {
      writeSync(fd, chunk);
    });
    closeSync(fd);
    closed = true;
    renameSync(tmp, path);
  } catch (err) {
    if (!closed) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}
