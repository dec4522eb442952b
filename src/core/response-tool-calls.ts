import type { ResponseInputItem, ResponseItem } from "../model-client/index.js";
import { withSpan } from "../telemetry/index.js";
import type { TurnContext } from "./tasks/task.js";
import type { ToolCallRequest, ToolContext } from "./tools.js";

/**
 * The tool calls of one model response: each dispatched through the router as soon as its item
 * is done (concurrently; the router's gate decides what may overlap), their outputs collected in
 * call order. A response that does not complete cancels the calls it started.
 */
export class ToolCalls {
  private readonly running = new Map<string, Promise<ResponseInputItem>>();
  private readonly controller = new AbortController();
  private readonly toolCtx: ToolContext;

  constructor(ctx: TurnContext, signal: AbortSignal) {
    this.toolCtx = {
      threadId: ctx.threadId,
      turnId: ctx.turnId,
      cwd: ctx.settings.cwd,
      approvalPolicy: ctx.settings.approvalPolicy,
      sandbox: ctx.settings.sandbox,
      approvals: ctx.approvals,
      signal: AbortSignal.any([signal, this.controller.signal]),
      emit: (e) => ctx.emit(e),
      rollout: ctx.rollout,
      telemetry: ctx.telemetry,
      completeItem: (item) => ctx.completeItem(item),
      recordFileChange: ctx.recordFileChange,
    };
    this.tools = ctx.tools;
    this.ctx = ctx;
  }
  private readonly tools: TurnContext["tools"];
  private readonly ctx: TurnContext;

  start(call: ToolCallRequest): void {
    if (this.running.has(call.callId)) return;
    this.ctx.toolCallStarted();
    const p = withSpan("handle_tool_call_with_source", { call_id: call.callId }, () =>
      this.tools.dispatch(call, this.toolCtx),
    );
    // Awaited in `outputs` or `abandon`; never left to reject unobserved.
    p.catch(() => undefined);
    this.running.set(call.callId, p);
  }

  async outputs(calls: readonly ToolCallRequest[]): Promise<ResponseInputItem[]> {
    for (const c of calls) this.start(c);
    return Promise.all(calls.map((c) => this.running.get(c.callId)!));
  }

  async abandon(): Promise<void> {
    if (this.running.size === 0) return;
    this.controller.abort(new Error("model response did not complete"));
    await Promise.allSettled(this.running.values());
  }
}

export function toolCallsOf(output: readonly ResponseItem[]): ToolCallRequest[] {
  const calls: ToolCallRequest[] = [];
  for (const item of output) {
    const o = item as Record<string, unknown>;
    if (item.type === "function_call" && typeof o.call_id === "string" && typeof o.name === "string") {
      calls.push({
        callId: o.call_id,
        name: o.name,
        namespace: typeof o.namespace === "string" ? o.namespace : undefined,
        arguments: typeof o.arguments === "string" ? o.arguments : JSON.stringify(o.arguments ?? {}),
      });
    } else if (
      item.type === "custom_tool_call" &&
      typeof o.call_id === "string" &&
      typeof o.name === "string"
    ) {
      calls.push({
        callId: o.call_id,
        name: o.name,
        arguments: typeof o.input === "string" ? o.input : "",
        custom: true,
      });
    }
  }
  return calls;
}
