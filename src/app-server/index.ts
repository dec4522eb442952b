export { AppServer, parseListenAddress } from "./server.js";
export type { AppServerOptions, ListenAddress } from "./server.js";
export { ConnectionSession } from "./session.js";
export { APP_SERVER_METHODS } from "./handlers.js";
export { configRead, initialize, modelList } from "./methods.js";
export { ModelCatalog } from "./model-catalog.js";
export type { AppServerServices, HandlerContext } from "./methods.js";
