import { context, propagation } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";

let contextInstalled = false;

/**
 * Installs the process's context manager (AsyncLocalStorage) and W3C propagator. Always done,
 * even with tracing off, so the current-context helpers and the log span stack behave the same
 * either way. Idempotent.
 */
export function installContextPropagation(): void {
  if (contextInstalled) return;
  const manager = new AsyncLocalStorageContextManager();
  manager.enable();
  context.setGlobalContextManager(manager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  contextInstalled = true;
}
