import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { resolveObserveConfig } from "../config/index.js";
import {
  ObserveStore,
  ObserveStoreError,
  formatSpanTree,
  importLogText,
  resolveId,
  startObserveServer,
  threadView,
  traceView,
} from "../observe/index.js";
import { resolveRolloutTraceRoot } from "../rollout-trace/index.js";
import { loadConfigOrExit, onTerminationSignals } from "./common.js";
import { StartupError, UsageError } from "./failure.js";

export interface ObserveFlags {
  port?: number;
  uiPort?: number;
  host: string;
  store?: string;
  traceRoot?: string[];
  config?: string[];
}

function loopback(host: string): boolean {
  return host === "localhost" || (isIP(host) === 4 && host.startsWith("127.")) || host === "::1";
}

/** `spool observe` once its flags are parsed. */
export async function runObserve(flags: ObserveFlags): Promise<void> {
  const loaded = loadConfigOrExit(flags.config);
  const settings = resolveObserveConfig(loaded.config.observe, loaded.home);
  if (!loopback(flags.host)) {
    throw new UsageError(
      `--host ${flags.host}: spool observe serves loopback only (it has no authentication); reach it from elsewhere through an SSH tunnel`,
    );
  }
  const configuredRoot = resolveRolloutTraceRoot(loaded.config.rollout_trace?.root);
  const traceRoots = [
    ...(configuredRoot ? [configuredRoot] : []),
    ...settings.traceRoots,
    ...(flags.traceRoot ?? []),
  ];
  const storePath = flags.store ?? settings.storePath;
  let server;
  try {
    server = await startObserveServer({
      storePath,
      host: flags.host,
      otlpPort: flags.port ?? settings.port,
      uiPort: flags.uiPort ?? settings.uiPort,
      traceRoots,
      retention: { maxAgeMs: settings.maxAgeMs, maxBytes: settings.maxBytes },
    });
  } catch (err) {
    if (err instanceof ObserveStoreError) throw new StartupError(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new Error(`cannot listen: ${(err as Error).message} (is spool observe already running?)`, {
        cause: err,
      });
    throw err;
  }
  const out = (l: string) => process.stdout.write(l + "\n");
  out(`spool observe: store ${storePath}`);
  out(`  OTLP/HTTP  ${server.otlpUrl}  (/v1/traces, /v1/logs, /v1/metrics; protobuf or JSON, gzip)`);
  out(`  viewer     ${server.uiUrl}`);
  if (traceRoots.length > 0) out(`  bundles    ${traceRoots.join(", ")}`);
  onTerminationSignals(() => server.close());
}

/** `spool trace show` once its arguments are parsed. */
export function runTraceShow(id: string, flags: { store?: string; config?: string[] }): void {
  const loaded = loadConfigOrExit(flags.config);
  const storePath = flags.store ?? resolveObserveConfig(loaded.config.observe, loaded.home).storePath;
  let store: ObserveStore;
  try {
    store = ObserveStore.open(storePath, { readonly: true });
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  // `spool trace show … | head` closes stdout early: that is not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  try {
    const kind = resolveId(store, id);
    const view =
      kind === "trace"
        ? traceView(store, id.toLowerCase())
        : kind === "thread"
          ? threadView(store, id)
          : undefined;
    if (!view) throw new StartupError(`no trace or thread ${id} in ${storePath}`);
    for (const line of formatSpanTree(view, kind === "thread" ? "thread" : "trace"))
      process.stdout.write(line + "\n");
  } finally {
    store.close();
  }
}

/** `spool trace import-log` once its arguments are parsed. */
export function runTraceImportLog(file: string, flags: { store?: string; config?: string[] }): void {
  const loaded = loadConfigOrExit(flags.config);
  const storePath = flags.store ?? resolveObserveConfig(loaded.config.observe, loaded.home).storePath;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let store: ObserveStore;
  try {
    store = ObserveStore.open(storePath);
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  try {
    const r = importLogText(store, text, file);
    process.stdout.write(
      `imported ${r.imported} event(s) from ${file} into ${storePath} (${r.lines} line(s), ` +
        `${r.notJson} not JSON log lines, ${r.duplicates} already stored); ${r.onSpans} on a stored span\n`,
    );
    if (r.lines > 0 && r.notJson === r.lines) {
      process.stdout.write("no JSON log lines: run the server with LOG_FORMAT=json\n");
    }
  } catch (err) {
    if (err instanceof ObserveStoreError) throw new StartupError(err.message);
    throw err;
  } finally {
    store.close();
  }
}
