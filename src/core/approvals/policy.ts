import { isAbsolute, relative, resolve } from "node:path";
import type { AskForApproval, SandboxPolicy } from "../../protocol/index.js";
import { approvalPolicyName } from "../settings.js";
import { isKnownSafeCommand } from "./safe-commands.js";

/** What a tool call needs before it may run. */
export type ApprovalNeed =
  { type: "run" } | { type: "ask"; reason: string | null } | { type: "refuse"; reason: string };

/** Whether the policy lets the server ask the client at all. */
function mayAsk(policy: AskForApproval): boolean {
  if (typeof policy === "string") return policy !== "never";
  return policy.granular.sandbox_approval;
}

/** The sandbox modes whose writes Spool cannot confine (enforcement is a later issue). */
function isConfined(sandbox: SandboxPolicy): boolean {
  return sandbox.type === "readOnly" || sandbox.type === "workspaceWrite";
}

function modeName(sandbox: SandboxPolicy): string {
  return sandbox.type === "readOnly" ? "read-only" : "workspace-write";
}

function refusal(policy: AskForApproval, sandbox: SandboxPolicy, what: string): ApprovalNeed {
  return {
    type: "refuse",
    reason:
      `${what} needs approval under the ${modeName(sandbox)} sandbox, and approval policy ` +
      `${approvalPolicyName(policy)} does not allow asking`,
  };
}

/**
 * Whether a command may run, must be asked about, or is refused. Spool does not sandbox
 * processes yet, so under `read-only` and `workspace-write` a command runs only once approved;
 * a command Codex knows to be read-only (`ls`, `cat`, `rg` without `--pre`, …) runs without
 * asking under any policy, and `untrusted` asks about everything else even with full access.
 */
export function commandApprovalNeed(
  policy: AskForApproval,
  sandbox: SandboxPolicy,
  script: string,
  approvedForSession: boolean,
): ApprovalNeed {
  if (approvedForSession || isKnownSafeCommand(script)) return { type: "run" };
  if (policy === "untrusted") return { type: "ask", reason: null };
  if (!isConfined(sandbox)) return { type: "run" };
  if (!mayAsk(policy)) return refusal(policy, sandbox, "this command");
  return {
    type: "ask",
    reason: `Spool does not enforce the ${modeName(sandbox)} sandbox; the command would run unconfined`,
  };
}

/** The directories a patch may write: the thread's cwd and the sandbox's writable roots. */
export function writableRoots(sandbox: SandboxPolicy, cwd: string): string[] {
  const extra = sandbox.type === "workspaceWrite" ? (sandbox.writableRoots ?? []) : [];
  return [cwd, ...extra.map((r) => resolve(cwd, r))];
}

/** Whether `path` (absolute) lies inside `root` or is it. */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * Whether a patch whose every path already lies inside the writable roots may be applied:
 * `workspace-write` and full access write there freely, `read-only` asks (or refuses under a
 * policy that cannot ask), and `untrusted` always asks.
 */
export function fileChangeApprovalNeed(
  policy: AskForApproval,
  sandbox: SandboxPolicy,
  approvedForSession: boolean,
): ApprovalNeed {
  if (approvedForSession) return { type: "run" };
  if (policy === "untrusted") return { type: "ask", reason: null };
  if (sandbox.type !== "readOnly") return { type: "run" };
  if (!mayAsk(policy)) return refusal(policy, sandbox, "this file change");
  return { type: "ask", reason: "the sandbox is read-only" };
}
