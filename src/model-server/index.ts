export { startScriptedModelServer } from "./scripted-server.js";
export type { ScriptedModelServer, ScriptedModelServerOptions } from "./scripted-server.js";
export { ScriptError, loadModelScript } from "./script.js";
export type { ModelScript, ModelScriptInput } from "./script.js";
export type { RequestLogEntry } from "./request-log.js";
export { scriptedModelProvider } from "./scripted-provider.js";
