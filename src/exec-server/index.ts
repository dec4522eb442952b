export { ExecServerClient, ExecServerUnavailableError } from "./client.js";
export type { StartProcessOptions } from "./client.js";
export { ExecProcess } from "./exec-process.js";
export type { OutputChunk, ProcessResult } from "./exec-process.js";
export { listenExecServer, parseListenUrl } from "./listen.js";
export {
  EXEC_SERVER_TOKEN_ENV,
  clientExecServerToken,
  execServerTokenFile,
  generateExecServerToken,
} from "./token.js";
export type { ExecServerListenOptions } from "./listen.js";
export { ProcessSession } from "./process-session.js";
export type { ExecServerOptions } from "./process-options.js";
export { serveExecConnection } from "./server-connection.js";
export type { ExecServerConnection } from "./server-connection.js";
