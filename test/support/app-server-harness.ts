import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppServer } from "../../src/app-server/index.js";
import { loadConfig } from "../../src/config/index.js";
import { RpcConnection, createInProcessTransportPair } from "../../src/rpc/index.js";

/** An app-server and a client joined in memory (the in-process transport). */
export function inProcessAppServer(overrides: string[] = []) {
  const home = mkdtempSync(join(tmpdir(), "spool-test-home-"));
  const server = new AppServer({ config: loadConfig({ home, overrides }) });
  const [serverEnd, clientEnd] = createInProcessTransportPair();
  const served = server.serve(serverEnd);
  const client = new RpcConnection(clientEnd).start();
  return { server, client, served, home };
}

export const CLIENT_INFO = { clientInfo: { name: "spool_tests", title: "Spool tests", version: "9.9.9" } };
