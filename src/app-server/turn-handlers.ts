import { implement } from "../rpc/index.js";
import { coreCall } from "./core-errors.js";
import { turnInterrupt, turnStart, turnSteer, type HandlerContext } from "./methods.js";
import { acceptTurnSettings, turnOverrides } from "./turn-settings.js";

const handleTurnStart = implement(turnStart, (params, { services, request }: HandlerContext) => {
  const thread = coreCall(() => services.core.require(params.threadId));
  services.readStates.watch(thread);
  const overrides = turnOverrides(params);
  const turn = coreCall(() =>
    thread.startTurn(params.input, overrides, params.clientUserMessageId ?? undefined),
  );
  request.recordTurnId(turn.id);
  // Told before the response, in the order Codex's server tells them.
  const change = acceptTurnSettings(thread, params, overrides, (m) => services.catalog.has(m));
  const notify = (method: string, p: unknown) =>
    services.subscriptions.notifySubscribers(thread.id, method, p);
  if (change.updated)
    notify("thread/settings/updated", { threadId: thread.id, threadSettings: change.updated });
  if (change.unknownModel)
    notify("warning", {
      threadId: thread.id,
      message: `Model \`${change.unknownModel}\` is not in Spool's model catalog (model/list does not list it); it is sent to the provider as is.`,
    });
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
