import type { ResponseInputItem, ToolSpec } from "../../model-client/index.js";
import type {
  DynamicFunctionSpec,
  DynamicToolCallResponse,
  DynamicToolSpec,
  ThreadItem,
} from "../../protocol/index.js";
import { withSpan } from "../../telemetry/index.js";
import { newItemId } from "../ids.js";
import type { ToolCallRequest, ToolContext, ToolRouter } from "../tools.js";

/** A call of a client-run tool, as core hands it to the app-server (`item/tool/call`). */
export interface DynamicToolCallRequest {
  /** Unique per thread: the model's call id. */
  id: string;
  turnId: string;
  namespace: string | null;
  tool: string;
  arguments: unknown;
}

interface Registered {
  namespace: string | null;
  fn: DynamicFunctionSpec;
}

function responsesFunction(fn: DynamicFunctionSpec): ToolSpec {
  return {
    type: "function",
    name: fn.name,
    description: fn.description,
    strict: false,
    parameters: (fn.inputSchema ?? { type: "object", properties: {} }) as Record<string, unknown>,
  };
}

/** The text a client's answer stands for in the model's `function_call_output`. */
function outputText(r: DynamicToolCallResponse): string {
  return r.contentItems
    .map((c) =>
      c.type === "inputText" ? c.text : c.type === "inputImage" ? `[image ${c.imageUrl}]` : "[audio]",
    )
    .join("\n");
}

/**
 * One thread's tools registered by its client on `thread/start` (`dynamicTools`), in front of the
 * process's router: their specs join the model's tools (a namespace as a Responses `namespace`
 * tool, as Codex sends it; deferred ones are left out, since Spool has no tool search), and a
 * call of one becomes a `dynamicToolCall` item whose answer comes from the client. Every other
 * call goes to the process's router. A call waits for `answer` (the first client's) or the turn's
 * interrupt.
 */
export class DynamicToolRouter implements ToolRouter {
  private readonly tools = new Map<string, Registered>();
  private readonly offered: ToolSpec[] = [];
  private readonly pending = new Map<string, (r: DynamicToolCallResponse) => void>();

  constructor(
    private readonly base: ToolRouter,
    specs: readonly DynamicToolSpec[],
  ) {
    for (const spec of specs) {
      if (spec.type === "namespace") {
        for (const fn of spec.tools) this.tools.set(`${spec.name}.${fn.name}`, { namespace: spec.name, fn });
        const offered = spec.tools.filter((fn) => !fn.deferLoading);
        if (offered.length > 0)
          this.offered.push({
            type: "namespace",
            name: spec.name,
            description: spec.description,
            tools: offered.map(responsesFunction),
          });
      } else {
        this.tools.set(spec.name, { namespace: null, fn: spec });
        if (!spec.deferLoading) this.offered.push(responsesFunction(spec));
      }
    }
  }

  get parallel(): boolean {
    return this.base.parallel;
  }

  get userShell(): ToolRouter["userShell"] {
    return this.base.userShell;
  }

  specs(): ToolSpec[] {
    return [...this.base.specs(), ...this.offered];
  }

  async threadEnded(threadId: string): Promise<void> {
    await this.base.threadEnded?.(threadId);
  }

  /** Settles a call with a client's answer; false when it is not waiting (answered, or ended). */
  answer(id: string, response: DynamicToolCallResponse): boolean {
    const settle = this.pending.get(id);
    if (!settle) return false;
    this.pending.delete(id);
    settle(response);
    return true;
  }

  dispatch(call: ToolCallRequest, ctx: ToolContext): Promise<ResponseInputItem> {
    const key = call.namespace ? `${call.namespace}.${call.name}` : call.name;
    const registered = this.tools.get(key);
    if (!registered || call.custom) return this.base.dispatch(call, ctx);
    return withSpan(
      "dynamic_tool_call",
      { tool_name: key, call_id: call.callId, "turn.id": ctx.turnId },
      () => this.run(call, registered, ctx),
    );
  }

  private async run(
    call: ToolCallRequest,
    registered: Registered,
    ctx: ToolContext,
  ): Promise<ResponseInputItem> {
    let args: unknown;
    try {
      args = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
    } catch {
      args = call.arguments;
    }
    const rollout = ctx.rollout.startToolCall({
      toolCallId: call.callId,
      modelVisibleCallId: call.callId,
      toolName: call.name,
      toolNamespace: registered.namespace,
      invocation: { type: "function", arguments: call.arguments },
    });
    const startedAtMs = Date.now();
    const base = {
      type: "dynamicToolCall" as const,
      id: call.callId,
      namespace: registered.namespace,
      tool: registered.fn.name,
      arguments: args,
    };
    ctx.emit({
      type: "item_started",
      turnId: ctx.turnId,
      item: { ...base, status: "inProgress", startedAtMs, completedAtMs: null } as ThreadItem,
      atMs: startedAtMs,
    });
    const response = await this.ask(
      {
        id: call.callId,
        turnId: ctx.turnId,
        namespace: registered.namespace,
        tool: registered.fn.name,
        arguments: args,
      },
      ctx,
    );
    const completedAtMs = Date.now();
    const aborted = response === undefined;
    const answer: DynamicToolCallResponse = response ?? {
      contentItems: [{ type: "inputText", text: "aborted" }],
      success: false,
    };
    const item = {
      ...base,
      status: answer.success ? "completed" : "failed",
      contentItems: answer.contentItems,
      success: answer.success,
      durationMs: completedAtMs - startedAtMs,
      startedAtMs,
      completedAtMs,
    } as ThreadItem;
    ctx.completeItem(item);
    ctx.emit({ type: "item_completed", turnId: ctx.turnId, item, atMs: completedAtMs });
    const output: ResponseInputItem = {
      type: "function_call_output",
      id: newItemId("fco"),
      call_id: call.callId,
      output: outputText(answer),
    };
    rollout.ended(aborted ? "cancelled" : answer.success ? "completed" : "failed", {
      type: "direct_response",
      response_item: output,
    });
    return output;
  }

  /** Asks the client through the thread's event stream; undefined when the turn is interrupted first. */
  private ask(
    request: DynamicToolCallRequest,
    ctx: ToolContext,
  ): Promise<DynamicToolCallResponse | undefined> {
    if (ctx.signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onAbort = () => {
        this.pending.delete(request.id);
        ctx.emit({ type: "dynamic_tool_call_resolved", requestId: request.id });
        resolve(undefined);
      };
      this.pending.set(request.id, (r) => {
        ctx.signal.removeEventListener("abort", onAbort);
        ctx.emit({ type: "dynamic_tool_call_resolved", requestId: request.id });
        resolve(r);
      });
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      ctx.emit({ type: "dynamic_tool_call_requested", request });
    });
  }
}
