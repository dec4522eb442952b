import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCerts {
  dir: string;
  ca: Buffer;
  serverKey: Buffer;
  serverCert: Buffer;
  clientKey: Buffer;
  clientCert: Buffer;
}

/**
 * A throwaway CA, a server certificate for localhost/127.0.0.1 and a client certificate, both
 * signed by the CA, generated with the system's openssl into `dir` (ca.pem, server*.pem, client*.pem).
 */
export function generateTestCerts(dir: string): TestCerts {
  mkdirSync(dir, { recursive: true });
  const ossl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ossl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca-key.pem",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=spool-test-ca",
  );
  writeFileSync(join(dir, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  ossl("req", ...ec, "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=localhost");
  ossl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "server.ext",
  );
  ossl("req", ...ec, "-keyout", "client-key.pem", "-out", "client.csr", "-subj", "/CN=spool-client");
  ossl(
    "x509",
    "-req",
    "-in",
    "client.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    "-CAcreateserial",
    "-out",
    "client.pem",
    "-days",
    "2",
  );
  const read = (f: string) => readFileSync(join(dir, f));
  return {
    dir,
    ca: read("ca.pem"),
    serverKey: read("server-key.pem"),
    serverCert: read("server.pem"),
    clientKey: read("client-key.pem"),
    clientCert: read("client.pem"),
  };
}
