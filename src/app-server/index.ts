export { AppServer, parseListenAddress } from "./server.js";
export type { AppServerOptions, ListenAddress } from "./server.js";
export { ConnectionSession } from "./session.js";
export { MessageProcessor, formatIssuePath } from "./processor.js";
export { METHODS } from "./handlers.js";
export { BUILT_IN_CATALOG, ModelCatalog } from "./model-catalog.js";
export { appServerRequestAttributes } from "./request-attributes.js";
export type { AppServerServices, HandlerContext, MethodDescriptor } from "./methods.js";
