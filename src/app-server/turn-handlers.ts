import type { TurnContextOverrides, TurnStartParams } from "../protocol/index.js";
import { implement } from "../rpc/index.js";
import { coreCall } from "./core-errors.js";
import { turnInterrupt, turnStart, turnSteer, type HandlerContext } from "./methods.js";

function overridesOf(p: TurnStartParams): TurnContextOverrides {
  const o: TurnContextOverrides = {};
  if (p.cwd) o.cwd = p.cwd;
  if (p.model) o.model = p.model;
  if (p.effort) o.effort = p.effort;
  if (p.summary) o.summary = p.summary;
  if (p.approvalPolicy) o.approvalPolicy = p.approvalPolicy as string;
  if (p.sandboxPolicy) o.sandboxPolicy = p.sandboxPolicy;
  if (p.outputSchema !== undefined && p.outputSchema !== null) o.outputSchema = p.outputSchema;
  return o;
}

const handleTurnStart = implement(turnStart, (params, { services, request }: HandlerContext) => {
  const thread = coreCall(() => services.core.require(params.threadId));
  services.readStates.watch(thread);
  const turn = coreCall(() =>
    thread.startTurn(params.input, overridesOf(params), params.clientUserMessageId ?? undefined),
  );
  request.recordTurnId(turn.id);
  return { turn };
});

const handleTurnSteer = implement(turnSteer, (params, { services, request }: HandlerContext) => {
  const thread = coreCall(() => services.core.require(params.threadId));
  const turnId = coreCall(() =>
    thread.steer(params.input, params.expectedTurnId, params.clientUserMessageId ?? undefined),
  );
  request.recordTurnId(turnId);
  return { turnId };
});

const handleTurnInterrupt = implement(turnInterrupt, (params, { services }: HandlerContext) => {
  const thread = coreCall(() => services.core.require(params.threadId));
  coreCall(() => thread.interrupt(params.turnId));
  return {};
});

export const TURN_HANDLERS = [handleTurnStart, handleTurnSteer, handleTurnInterrupt];
