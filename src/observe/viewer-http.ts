import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { TraceReduceError, reduceBundle, stateJson } from "../rollout-trace/index.js";
import { logger } from "../telemetry/index.js";
import { bundleRef, listBundles } from "./bundles.js";
import type { ThreadView } from "./api-types.js";
import type { ObserveStore } from "./store.js";
import {
  listSessions,
  listTraces,
  resolveId,
  sessionById,
  spanById,
  storeStats,
  threadTraces,
  threadTurns,
  threadView,
  traceView,
} from "./store-queries.js";

const log = logger("spool_observe::viewer");

/** Where `npm run build` puts the page bundle (the same path from src/ and from dist/). */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL("../../dist/observe/assets/", import.meta.url));

export interface ViewerOptions {
  store: ObserveStore;
  storePath: string;
  /** Rollout trace roots whose bundles the viewer lists. */
  traceRoots: readonly string[];
  assetsDir?: string;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".svg": "image/svg+xml",
};

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * The viewer: the page assets and a read-only JSON API over the store. Only loopback `Host`
 * names are served (a DNS-rebinding page cannot read traces), and a cross-origin request (an
 * `Origin` other than the viewer's own) is refused.
 */
export function createViewerHandler(
  options: ViewerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const assetsDir = options.assetsDir ?? DEFAULT_ASSETS_DIR;
  const { store } = options;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };

  const thread = (id: string): ThreadView => {
    const session = sessionById(store, id);
    if (!session) throw new ApiError(404, `no thread ${id} in the store`);
    return {
      session,
      traces: threadTraces(store, id),
      turns: threadTurns(store, id),
      bundles: listBundles(options.traceRoots).filter((b) => b.rootThreadId === id),
    };
  };

  const rollout = async (path: string | null): Promise<string> => {
    if (!path) throw new ApiError(400, "bundle=<directory> is required");
    const ref = bundleRef(path);
    if (!ref) throw new ApiError(404, `${path} is not a rollout bundle (no readable manifest.json)`);
    try {
      const result = await reduceBundle(ref.path);
      return `{"bundle":${JSON.stringify(ref)},"anomalies":${JSON.stringify(result.anomalies)},"state":${stateJson(result.state)}}`;
    } catch (err) {
      if (err instanceof TraceReduceError) throw new ApiError(422, err.message);
      throw err;
    }
  };

  const api = async (url: URL): Promise<unknown> => {
    const parts = url.pathname.split("/").slice(2).map(decodeURIComponent);
    const q = url.searchParams;
    switch (parts[0]) {
      case "sessions":
        return listSessions(store, {
          search: q.get("q") ?? undefined,
          status: q.get("status") || undefined,
          limit: Number(q.get("limit") ?? 200) || 200,
        });
      case "threads":
        if (!parts[1]) break;
        if (parts[2] === "spans") {
          return threadView(store, parts[1]) ?? Promise.reject(new ApiError(404, `no thread ${parts[1]}`));
        }
        if (parts[2] === "turns") return threadTurns(store, parts[1]);
        return thread(parts[1]);
      case "traces":
        if (!parts[1]) return listTraces(store, Number(q.get("limit") ?? 100) || 100);
        return (
          traceView(store, parts[1].toLowerCase()) ??
          Promise.reject(new ApiError(404, `no trace ${parts[1]}`))
        );
      case "spans":
        if (!parts[1] || !parts[2]) break;
        return (
          spanById(store, parts[1].toLowerCase(), parts[2].toLowerCase()) ??
          Promise.reject(new ApiError(404, `no span ${parts[2]} in trace ${parts[1]}`))
        );
      case "resolve":
        if (!parts[1]) break;
        return { id: parts[1], kind: resolveId(store, parts[1]) ?? null };
      case "bundles":
        return listBundles(options.traceRoots);
      case "rollout":
        return rollout(q.get("bundle"));
      case "stats":
        return storeStats(store, options.storePath);
    }
    throw new ApiError(404, `no API route ${url.pathname}`);
  };

  const asset = async (res: ServerResponse, pathname: string) => {
    const rel = pathname === "/" ? "index.html" : normalize(pathname.slice(1));
    if (rel.startsWith("..") || rel.includes(`${sep}..`)) throw new ApiError(404, "not found");
    let body: Buffer;
    try {
      body = await readFile(join(assetsDir, rel));
    } catch {
      if (rel === "index.html") {
        throw new ApiError(500, `viewer assets missing in ${assetsDir}: run \`npm run build\``);
      }
      throw new ApiError(404, `not found: ${pathname}`);
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(rel)] ?? "application/octet-stream",
      "cache-control": "no-cache",
    });
    res.end(body);
  };

  return (req, res) => {
    const host = req.headers.host ?? "";
    const done = (err: unknown) => {
      const status = err instanceof ApiError ? err.status : 500;
      if (status === 500)
        log.warn("viewer request failed", { url: req.url ?? "", error: (err as Error).message });
      if (!res.headersSent) json(res, status, { error: (err as Error).message });
      else res.end();
    };
    if (!LOOPBACK_HOST.test(host))
      return done(new ApiError(403, "the viewer answers loopback host names only"));
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`)
      return done(new ApiError(403, "cross-origin request refused"));
    if (req.method !== "GET" && req.method !== "HEAD")
      return done(new ApiError(405, "the viewer is read-only"));
    const url = new URL(req.url ?? "/", `http://${host}`);
    if (url.pathname.startsWith("/api/")) {
      api(url)
        .then((body) => json(res, 200, body))
        .catch(done);
    } else {
      asset(res, url.pathname).catch(done);
    }
  };
}
