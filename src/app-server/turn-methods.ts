import {
  TurnInterruptParamsSchema,
  TurnStartParamsSchema,
  TurnSteerParamsSchema,
  type TurnOverrides,
  type TurnStartParams,
  type TurnStartResponse,
  type TurnSteerResponse,
} from "../protocol/index.js";
import { coreCall } from "./core-errors.js";
import { defineMethod } from "./methods.js";

function overridesOf(p: TurnStartParams): TurnOverrides {
  const o: TurnOverrides = {};
  if (p.cwd) o.cwd = p.cwd;
  if (p.model) o.model = p.model;
  if (p.effort) o.effort = p.effort;
  if (p.summary) o.summary = p.summary;
  if (p.approvalPolicy) o.approvalPolicy = p.approvalPolicy;
  if (p.sandboxPolicy) o.sandboxPolicy = p.sandboxPolicy;
  if (p.outputSchema !== undefined && p.outputSchema !== null) o.outputSchema = p.outputSchema;
  return o;
}

const turnStart = defineMethod({
  method: "turn/start",
  params: TurnStartParamsSchema,
  handle(params, { services, request }): TurnStartResponse {
    const thread = coreCall(() => services.core.require(params.threadId));
    const turn = coreCall(() =>
      thread.startTurn(params.input, overridesOf(params), params.clientUserMessageId ?? undefined),
    );
    request.recordTurnId(turn.id);
    return { turn };
  },
});

const turnSteer = defineMethod({
  method: "turn/steer",
  params: TurnSteerParamsSchema,
  handle(params, { services, request }): TurnSteerResponse {
    const thread = coreCall(() => services.core.require(params.threadId));
    const turnId = coreCall(() =>
      thread.steer(params.input, params.expectedTurnId, params.clientUserMessageId ?? undefined),
    );
    request.recordTurnId(turnId);
    return { turnId };
  },
});

const turnInterrupt = defineMethod({
  method: "turn/interrupt",
  params: TurnInterruptParamsSchema,
  handle(params, { services }): Record<string, never> {
    const thread = coreCall(() => services.core.require(params.threadId));
    coreCall(() => thread.interrupt(params.turnId));
    return {};
  },
});

export const TURN_METHODS = [turnStart, turnSteer, turnInterrupt];
