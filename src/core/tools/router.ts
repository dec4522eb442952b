import type { z } from "zod";
import type { ResponseInputItem, ToolSpec } from "../../model-client/index.js";
import type { ToolCallKind, ToolCallRecorder } from "../../rollout-trace/index.js";
import { logger, recordSpanFields, toolSpanAttributes, withSpan } from "../../telemetry/index.js";
import { newItemId } from "../ids.js";
import type { ToolCallRequest, ToolContext, ToolRouter } from "../tools.js";
import { ParallelGate, startToolCallTiming } from "./parallel.js";
import type { UserShellRunner } from "./user-shell.js";

const log = logger("spool_core::tools::router");

/** What a handler hands back: the model-visible output and whether the call succeeded. */
export interface ToolOutput {
  output: string;
  success: boolean;
}

/** One call as a handler sees it: the parsed arguments' owner, the turn, and the call's rollout. */
export interface ToolInvocation {
  call: ToolCallRequest;
  ctx: ToolContext;
  rollout: ToolCallRecorder;
}

/**
 * A tool: its spec (offered to the model as a Responses `function` tool), the schema its
 * arguments must pass, and whether it may run beside other parallel-safe calls.
 */
export interface ToolHandler<A = unknown> {
  /** A `function` tool, or a freeform `custom` one (then `customInput` reads its calls). */
  readonly spec: ToolSpec & { name: string; description?: string };
  readonly args: z.ZodType<A>;
  /** For a freeform tool: the arguments a `custom_tool_call`'s raw `input` stands for. */
  readonly customInput?: (input: string) => unknown;
  readonly parallelSafe: boolean;
  /** Overrides the rollout kind derived from the name. */
  readonly kind?: ToolCallKind;
  /** Tools registered with this one, sharing its state (`exec_command`'s `write_stdin`). */
  readonly companions?: readonly ToolHandler<unknown>[];
  /** Releases what the tool holds for a thread that has ended (its running sessions). */
  threadEnded?(threadId: string): Promise<void>;
  handle(args: A, invocation: ToolInvocation): Promise<ToolOutput>;
}

/** Erases a handler's argument type, so handlers of different tools share one registry. */
export function defineTool<A>(h: ToolHandler<A>): ToolHandler<unknown> {
  return { ...h, args: h.args as z.ZodType<unknown>, handle: (args, inv) => h.handle(args as A, inv) };
}

/** A call that ended before its handler produced an output: cancelled by the turn's interrupt. */
export class ToolCallAbortedError extends Error {
  override readonly name = "ToolCallAbortedError";
}

/**
 * The tool router core runs every model tool call through: lookup, argument validation, the
 * turn's parallel gate, the `<tool name>` span, one `codex.tool_call` timing event, the rollout
 * tool call and `codex.tool_result`. A call the router cannot run (unknown name, bad arguments,
 * a handler that throws) goes back to the model as a failed `function_call_output`; the turn
 * goes on.
 */
export class ToolRegistry implements ToolRouter {
  readonly parallel = true;
  private readonly handlers = new Map<string, ToolHandler<unknown>>();
  /** One gate per running turn, dropped when its last call leaves. */
  private readonly gates = new Map<string, { gate: ParallelGate; calls: number }>();

  constructor(
    handlers: readonly ToolHandler<unknown>[],
    private readonly onClose?: () => Promise<void>,
    readonly userShell?: UserShellRunner,
  ) {
    for (const h of handlers) for (const t of [h, ...(h.companions ?? [])]) this.handlers.set(t.spec.name, t);
  }

  specs(): ToolSpec[] {
    return [...this.handlers.values()].map((h) => h.spec);
  }

  async close(): Promise<void> {
    await this.onClose?.();
  }

  async threadEnded(threadId: string): Promise<void> {
    await Promise.all([...this.handlers.values()].map((h) => h.threadEnded?.(threadId)));
  }

  dispatch(call: ToolCallRequest, ctx: ToolContext): Promise<ResponseInputItem> {
    const toolName = call.namespace ? `${call.namespace}.${call.name}` : call.name;
    return withSpan(
      "dispatch_tool_call_with_code_mode_result",
      {
        "otel.name": toolName,
        tool_name: toolName,
        call_id: call.callId,
        tool_source: "direct",
        "conversation.id": ctx.threadId,
        "turn.id": ctx.turnId,
        turn_id: ctx.turnId,
        "codex.tool.phase": "dispatch",
        aborted: false,
      },
      () => this.run(call, toolName, ctx),
      // GenAI `execute_tool` attributes at start, so `genai_span_names` can rename the span.
      {
        attributes: toolSpanAttributes({
          name: toolName,
          callId: call.callId,
          type: "function",
          description: this.handlers.get(call.name)?.spec.description,
        }),
      },
    );
  }

  private async run(call: ToolCallRequest, toolName: string, ctx: ToolContext): Promise<ResponseInputItem> {
    const timing = startToolCallTiming(() => ({
      conversationId: ctx.threadId,
      turnId: ctx.turnId,
      toolName,
      callId: call.callId,
    }));
    const startedAt = performance.now();
    const handler = this.handlers.get(call.name);
    const rollout = ctx.rollout.startToolCall({
      toolCallId: call.callId,
      modelVisibleCallId: call.callId,
      toolName: call.name,
      toolNamespace: call.namespace ?? null,
      invocation: call.custom
        ? { type: "custom", input: call.arguments }
        : { type: "function", arguments: call.arguments },
      ...(handler?.kind ? { kind: handler.kind } : {}),
    });
    let result: ToolOutput;
    let aborted = false;
    try {
      result = await this.runHandler(handler, call, ctx, rollout, () => timing?.admitted());
    } catch (err) {
      aborted = ctx.signal.aborted || err instanceof ToolCallAbortedError;
      if (!aborted)
        log.warn("tool handler failed", { tool_name: toolName, call_id: call.callId, error: String(err) });
      result = {
        output: aborted ? "aborted" : `tool ${toolName} failed: ${(err as Error)?.message ?? String(err)}`,
        success: false,
      };
    } finally {
      timing?.finish();
    }
    if (aborted) recordSpanFields({ aborted: true });
    const item: ResponseInputItem = {
      type: call.custom ? "custom_tool_call_output" : "function_call_output",
      id: newItemId(call.custom ? "ctco" : "fco"),
      call_id: call.callId,
      output: result.output,
    };
    rollout.ended(aborted ? "cancelled" : result.success ? "completed" : "failed", {
      type: "direct_response",
      response_item: item,
    });
    ctx.telemetry.toolResult({
      toolName,
      callId: call.callId,
      arguments: call.arguments,
      durationMs: performance.now() - startedAt,
      success: result.success,
      output: result.output,
    });
    return item;
  }

  private async runHandler(
    handler: ToolHandler<unknown> | undefined,
    call: ToolCallRequest,
    ctx: ToolContext,
    rollout: ToolCallRecorder,
    admitted: () => void,
  ): Promise<ToolOutput> {
    // Codex's wording for a name it does not know, so models trained on it recover the same way.
    if (!handler || call.namespace) return { output: `unsupported call: ${call.name}`, success: false };
    const parsed = parseArguments(handler, call);
    if (!parsed.ok) return { output: `failed to parse function arguments: ${parsed.error}`, success: false };
    const gate = this.gateFor(ctx.turnId);
    try {
      const release = await withSpan("tool_dispatch.parallel_lock", {}, () =>
        gate.acquire(!handler.parallelSafe, ctx.signal),
      );
      admitted();
      try {
        return await withSpan("dispatch_tool_call_with_state", { tool_name: call.name }, () =>
          handler.handle(parsed.value, { call, ctx, rollout }),
        );
      } finally {
        release();
      }
    } finally {
      this.leaveGate(ctx.turnId);
    }
  }

  private gateFor(turnId: string): ParallelGate {
    let entry = this.gates.get(turnId);
    if (!entry) {
      entry = { gate: new ParallelGate(), calls: 0 };
      this.gates.set(turnId, entry);
    }
    entry.calls++;
    return entry.gate;
  }

  private leaveGate(turnId: string): void {
    const entry = this.gates.get(turnId);
    if (entry && --entry.calls === 0) this.gates.delete(turnId);
  }
}

function parseArguments(
  handler: ToolHandler<unknown>,
  call: ToolCallRequest,
): { ok: true; value: unknown } | { ok: false; error: string } {
  const raw = call.arguments;
  let json: unknown;
  if (call.custom) {
    if (!handler.customInput) return { ok: false, error: `${call.name} is not a freeform tool` };
    json = handler.customInput(raw);
  } else {
    try {
      json = raw.trim() === "" ? {} : JSON.parse(raw);
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
  const r = handler.args.safeParse(json);
  if (!r.success) {
    return {
      ok: false,
      error: r.error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).join("; "),
    };
  }
  return { ok: true, value: r.data };
}
