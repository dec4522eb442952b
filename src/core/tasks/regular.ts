import { withSpan } from "../../telemetry/index.js";
import { runTurn } from "../sampling.js";
import type { SessionTask, TaskOutcome, TurnContext } from "./task.js";

/**
 * The regular turn (`turn/start`): consume the startup WebSocket prewarm (cancellable, so an
 * interrupt during warm-up ends the turn at once), then run the sampling loop.
 */
export class RegularTask implements SessionTask {
  readonly spanName = "session_task.turn";

  async run(ctx: TurnContext, signal: AbortSignal): Promise<TaskOutcome> {
    const prewarm = await withSpan("regular_task.prepare_run_turn", {}, () =>
      withSpan("consume_startup_prewarm_for_regular_turn", {}, async (span) => {
        const r = await ctx.client.consumePrewarm(signal);
        span.setAttribute("outcome", r.kind);
        return r;
      }),
    );
    if (prewarm.kind === "cancelled" || signal.aborted) return { status: "interrupted" };
    return runTurn(ctx, signal);
  }
}
