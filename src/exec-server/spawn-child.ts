import { spawn as spawnPipe } from "node:child_process";
import { accessSync, constants as fsConstants, statSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { constants as osConstants } from "node:os";
import type { Readable } from "node:stream";
import type * as NodePty from "node-pty";
import type { ExecOutputStream } from "../protocol/index.js";

export interface SpawnRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  tty: boolean;
  pipeStdin: boolean;
  arg0: string | null;
}

export interface ChildEvents {
  output(stream: ExecOutputStream, bytes: Buffer): void;
  /** One output stream reached its end. */
  streamEnded(): void;
  /** Exit code, or 128 + signal number for a process killed by a signal (shell convention). */
  exited(exitCode: number): void;
}

/** A started child, pipe- or pty-backed, in its own process group. */
export interface ChildHandle {
  readonly pid: number;
  /** Output streams `streamEnded` will report (2 for pipes, 1 for a pty). */
  readonly streamCount: number;
  readonly acceptsInput: boolean;
  /** Resolves once the bytes are handed to the child (or its pipe closed). */
  write(bytes: Buffer): Promise<void>;
  /** Stdin bytes queued in this process, not yet taken by the child (0 for a pty: unknown). */
  pendingInputBytes(): number;
  /** Stops reading output until `resumeOutput` (backpressure). */
  pauseOutput(): void;
  resumeOutput(): void;
  /** Signals the whole process group (0: just probe it); false when it is already gone. */
  signalGroup(signal: NodeJS.Signals | 0): boolean;
}

/** The child could not be started (bad program, bad cwd); the message names why. */
export class SpawnError extends Error {
  override readonly name = "SpawnError";
}

function signalExitCode(signal: NodeJS.Signals | number | null | undefined): number {
  if (typeof signal === "number") return 128 + signal;
  const n = signal ? osConstants.signals[signal] : undefined;
  return n === undefined ? -1 : 128 + n;
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Starts a child; resolves once it runs, rejects with `SpawnError` when it cannot start. */
export async function spawnChild(req: SpawnRequest, events: ChildEvents): Promise<ChildHandle> {
  // Checked up front so a bad cwd is named as such (spawn would blame the program with ENOENT).
  let isDir = false;
  try {
    isDir = statSync(req.cwd).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new SpawnError(`cwd ${req.cwd} does not exist or is not a directory`);
  return req.tty ? spawnPty(req, events) : spawnPiped(req, events);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * A pty child reports a missing program only as exit status 1 after `execvp` fails in the
 * forked child, so the program is looked up first, as execvp would, to fail the start instead.
 */
function ptyProgramExists(file: string, cwd: string, env: Record<string, string>): boolean {
  if (file.includes("/")) return isExecutable(resolve(cwd, file));
  const path = env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  return path.split(delimiter).some((dir) => dir !== "" && isExecutable(join(resolve(cwd, dir), file)));
}

function spawnPiped(req: SpawnRequest, events: ChildEvents): Promise<ChildHandle> {
  const [file, ...args] = req.argv as [string, ...string[]];
  // detached: the child leads a new session and process group, so the whole group can be
  // signalled, including whatever it started in the background.
  const child = spawnPipe(file, args, {
    cwd: req.cwd,
    env: req.env,
    detached: true,
    stdio: [req.pipeStdin ? "pipe" : "ignore", "pipe", "pipe"],
    ...(req.arg0 !== null ? { argv0: req.arg0 } : {}),
  });
  return new Promise<ChildHandle>((resolve, reject) => {
    child.once("error", (err: NodeJS.ErrnoException) => {
      reject(new SpawnError(`failed to start ${JSON.stringify(file)}: ${err.message}`));
    });
    child.once("spawn", () => {
      const pid = child.pid!;
      const streams: Readable[] = [child.stdout!, child.stderr!];
      const wire = (s: Readable, name: ExecOutputStream) => {
        s.on("data", (b: Buffer) => events.output(name, b));
        s.once("end", () => events.streamEnded());
        s.once("error", () => {});
      };
      wire(child.stdout!, "stdout");
      wire(child.stderr!, "stderr");
      // 'exit' (not 'close'): the process may be gone while a grandchild keeps the pipes open.
      child.once("exit", (code, signal) => events.exited(code ?? signalExitCode(signal)));
      child.stdin?.on("error", () => {});
      resolve({
        pid,
        streamCount: 2,
        acceptsInput: child.stdin !== null,
        write: (bytes) =>
          new Promise<void>((done) => {
            const stdin = child.stdin;
            if (!stdin || stdin.destroyed) return done();
            stdin.write(bytes, () => done());
          }),
        pendingInputBytes: () => child.stdin?.writableLength ?? 0,
        pauseOutput: () => streams.forEach((s) => s.pause()),
        resumeOutput: () => streams.forEach((s) => s.resume()),
        signalGroup: (signal) => signalGroup(pid, signal),
      });
    });
  });
}

type PtyModule = typeof NodePty;
let ptyModule: Promise<PtyModule> | undefined;

async function spawnPty(req: SpawnRequest, events: ChildEvents): Promise<ChildHandle> {
  // node-pty is a native addon; load it only when a tty is asked for.
  ptyModule ??= import("node-pty");
  let pty: PtyModule;
  try {
    pty = await ptyModule;
  } catch (err) {
    ptyModule = undefined;
    throw new SpawnError(`tty processes need node-pty, which failed to load: ${(err as Error).message}`);
  }
  const [file, ...args] = req.argv as [string, ...string[]];
  if (!ptyProgramExists(file, req.cwd, req.env)) {
    throw new SpawnError(
      `failed to start ${JSON.stringify(file)} on a pty: program not found or not executable`,
    );
  }
  let term: NodePty.IPty;
  try {
    term = pty.spawn(file, args, {
      name: "xterm-256color",
      cols: 80,
      rows: 24,
      cwd: req.cwd,
      env: req.env,
      encoding: null,
    });
  } catch (err) {
    throw new SpawnError(`failed to start ${JSON.stringify(file)} on a pty: ${(err as Error).message}`);
  }
  const pid = term.pid;
  // With `encoding: null` node-pty hands over raw Buffers; its typings still say string.
  term.onData((data: string | Buffer) =>
    events.output("pty", Buffer.isBuffer(data) ? data : Buffer.from(data)),
  );
  // node-pty reports exit only after the pty's output is drained, so output ends here too.
  term.onExit(({ exitCode, signal }) => {
    events.streamEnded();
    events.exited(signal ? signalExitCode(signal) : exitCode);
  });
  return {
    pid,
    streamCount: 1,
    acceptsInput: true,
    write: async (bytes) => term.write(bytes),
    pendingInputBytes: () => 0,
    pauseOutput: () => term.pause(),
    resumeOutput: () => term.resume(),
    signalGroup: (signal) => signalGroup(pid, signal),
  };
}
