import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const FIXTURE = new URL("../fixtures/telemetry-child.mjs", import.meta.url).pathname;

/** A spawned telemetry child (test/fixtures/telemetry-child.mjs) and its JSON stdout lines. */
export interface TelemetryChild {
  proc: ChildProcessWithoutNullStreams;
  home: string;
  stderr(): string;
  /** Next JSON line on stdout. */
  next(): Promise<Record<string, unknown>>;
  send(cmd: string): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** A fresh SPOOL_HOME holding `config.toml`. */
export function tempHome(configToml: string): string {
  const home = mkdtempSync(join(tmpdir(), "spool-otel-"));
  writeFileSync(join(home, "config.toml"), configToml);
  return home;
}

export function spawnTelemetryChild(
  home: string,
  env: NodeJS.ProcessEnv = {},
  overrides: string[] = [],
): TelemetryChild {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OTEL_")) clean[k] = v;
  const proc = spawn(process.execPath, [FIXTURE, ...overrides], {
    env: { ...clean, SPOOL_HOME: home, RUST_LOG: "warn", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let err = "";
  proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: proc.stdout }).on("line", (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else lines.push(line);
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const take = (line: string) => resolve(JSON.parse(line) as Record<string, unknown>);
      const l = lines.shift();
      if (l !== undefined) return take(l);
      waiting.push(take);
      void exited.then((code) =>
        reject(new Error(`child exited (${code}) before answering; stderr:\n${err}`)),
      );
    });
  return {
    proc,
    home,
    stderr: () => err,
    next,
    send(cmd) {
      proc.stdin.write(cmd + "\n");
      return next();
    },
    exited,
  };
}
