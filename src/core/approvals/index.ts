export { ApprovalBroker } from "./broker.js";
export { ApprovalCancelledError, gateToolCall } from "./gate.js";
export type { GateOutcome } from "./gate.js";
export { commandApprovalNeed, fileChangeApprovalNeed, isWithin, writableRoots } from "./policy.js";
export type { ApprovalNeed } from "./policy.js";
export { isKnownSafeCommand } from "./safe-commands.js";
export { reviewDecisionOf } from "./types.js";
export type { ApprovalDecision, ApprovalRequest } from "./types.js";
