import { readFileSync, readdirSync } from "node:fs";

/**
 * Finds every process whose environment has an entry starting with `entryPrefix` (pass
 * `NAME=value\0` for an exact entry); the exec-server puts such a tag in each child's environment by reading `/proc/<pid>/environ`. Environments are inherited across fork, exec,
 * `setsid` and double-forks, so this finds descendants that left the child's process group and
 * session and were reparented to init, which no group or session kill reaches. Works
 * unprivileged for our own uid; a process that scrubs its environment escapes it (documented).
 * Returns nothing off Linux.
 */
export function pidsWithMarker(entryPrefix: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const needle = Buffer.from(`\0${entryPrefix}`);
  const first = Buffer.from(entryPrefix);
  const out: number[] = [];
  for (const name of entries) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let env: Buffer;
    try {
      env = readFileSync(`/proc/${name}/environ`);
    } catch {
      continue; // gone, or not ours
    }
    if (env.indexOf(needle) >= 0 || env.subarray(0, first.length).equals(first)) out.push(Number(name));
  }
  return out;
}

/** Signals every process `pidsWithMarker` finds; returns how many were signalled. */
export function signalMarked(entryPrefix: string, signal: NodeJS.Signals): number {
  let n = 0;
  for (const pid of pidsWithMarker(entryPrefix)) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, signal);
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}
