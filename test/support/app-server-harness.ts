import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppServer, type AppServerOptions } from "../../src/app-server/index.js";
import { buildAppServerServices } from "../../src/cli/compose.js";
import { loadConfig } from "../../src/config/index.js";
import {
  RpcConnection,
  createInProcessTransportPair,
  type RpcConnectionOptions,
} from "../../src/rpc/index.js";

/**
 * An app-server and a client joined in memory (the in-process transport), its services built as
 * the composition root builds them (telemetry is the test's own business).
 */
export function inProcessAppServer(
  overrides: string[] = [],
  options: Omit<AppServerOptions, "services"> = {},
  clientOptions: RpcConnectionOptions = {},
) {
  const home = mkdtempSync(join(tmpdir(), "spool-test-home-"));
  const server = new AppServer({
    ...options,
    services: buildAppServerServices(loadConfig({ home, overrides })),
  });
  const [serverEnd, clientEnd] = createInProcessTransportPair();
  const served = server.serve(serverEnd);
  const client = new RpcConnection(clientEnd, clientOptions).start();
  return { server, client, served, home };
}

export const CLIENT_INFO = { clientInfo: { name: "spool_tests", title: "Spool tests", version: "9.9.9" } };
