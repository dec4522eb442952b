import { z } from "zod";
import type { ThreadItem } from "../../protocol/index.js";
import { fileChangeApprovalNeed, gateToolCall, isWithin, writableRoots } from "../approvals/index.js";
import {
  PatchApplyError,
  PatchParseError,
  parsePatch,
  patchPaths,
  unifiedDiff,
  verifyPatch,
  writeChanges,
  type FileChange,
} from "../patch/index.js";
import { defineTool, type ToolHandler, type ToolInvocation, type ToolOutput } from "./router.js";

const ApplyPatchArgs = z.object({ input: z.string().min(1) });
type ApplyPatchArgs = z.infer<typeof ApplyPatchArgs>;

const DESCRIPTION =
  "Use the `apply_patch` tool to edit files. This is a FREEFORM tool, so do not wrap the patch in JSON.";

/** Codex's grammar for the freeform `apply_patch` tool (`tool_apply_patch.lark`). */
const GRAMMAR = `start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?

hunk: add_hunk | delete_hunk | update_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
update_hunk: "*** Update File: " filename LF change_move? change?

filename: /(.+)/
add_line: "+" /(.*)/ LF -> line

change_move: "*** Move to: " filename LF
change: (change_context | change_line)+ eof_line?
change_context: ("@@" | "@@ " /(.+)/) LF
change_line: ("+" | "-" | " ") /(.*)/ LF
eof_line: "*** End of File" LF

%import common.LF
`;

type FileUpdateChange = {
  path: string;
  kind: { type: "add" } | { type: "delete" } | { type: "update"; move_path: string | null };
  diff: string;
};

function wireChange(cwd: string, c: FileChange): FileUpdateChange {
  const kind = c.kind === "update" ? { type: "update" as const, move_path: c.movePath } : { type: c.kind };
  return { path: c.path, kind, diff: unifiedDiff(cwd, c.path, c.before, c.after, c.movePath ?? c.path) };
}

/** Codex's success output: one `A`/`M`/`D` line per file. */
function summary(changes: readonly FileChange[]): string {
  const letter = { add: "A", update: "M", delete: "D" } as const;
  const lines = changes.map((c) => `${letter[c.kind]} ${c.movePath ?? c.path}`);
  return `Success. Updated the following files:\n${lines.join("\n")}\n`;
}

async function applyPatch(patch: string, inv: ToolInvocation): Promise<ToolOutput> {
  const { ctx, call } = inv;
  const fail = (output: string): ToolOutput => ({ output, success: false });
  let hunks;
  try {
    hunks = parsePatch(patch);
  } catch (err) {
    if (err instanceof PatchParseError) return fail(`apply_patch verification failed: ${err.message}`);
    throw err;
  }
  const roots = writableRoots(ctx.sandbox, ctx.cwd);
  const outside = patchPaths(hunks, ctx.cwd).filter((p) => !roots.some((r) => isWithin(r, p)));
  if (outside.length > 0)
    return fail(
      `apply_patch refused: ${outside.join(", ")} ${outside.length === 1 ? "is" : "are"} outside the ` +
        `workspace (${roots.join(", ")}); patches may only change files under the thread's cwd and writable roots`,
    );
  let changes: FileChange[];
  try {
    changes = await verifyPatch(hunks, ctx.cwd);
  } catch (err) {
    if (err instanceof PatchApplyError) return fail(`apply_patch verification failed: ${err.message}`);
    throw err;
  }

  const startedAtMs = Date.now();
  const base = { type: "fileChange", id: call.callId, changes: changes.map((c) => wireChange(ctx.cwd, c)) };
  const started: ThreadItem = { ...base, status: "inProgress", startedAtMs, completedAtMs: null };
  ctx.emit({ type: "item_started", turnId: ctx.turnId, item: started, atMs: startedAtMs });
  const end = (status: "completed" | "failed" | "declined") => {
    const completedAtMs = Date.now();
    const done: ThreadItem = { ...base, status, startedAtMs, completedAtMs };
    ctx.completeItem(done);
    ctx.emit({ type: "item_completed", turnId: ctx.turnId, item: done, atMs: completedAtMs });
  };

  const paths = patchPaths(hunks, ctx.cwd);
  const need = fileChangeApprovalNeed(
    ctx.approvalPolicy,
    ctx.sandbox,
    paths.every((p) => ctx.approvals.isApprovedForSession(`file:${p}`)),
  );
  let outcome;
  try {
    outcome = await gateToolCall(
      call,
      ctx,
      need,
      { kind: "fileChange", itemId: call.callId, grantRoot: null },
      paths.map((p) => `file:${p}`),
    );
  } catch (err) {
    end("failed");
    throw err;
  }
  if (outcome.type !== "run") {
    end("declined");
    return fail(
      outcome.type === "declined" ? "patch rejected by user" : `patch rejected: ${outcome.message}`,
    );
  }
  try {
    await writeChanges(changes);
  } catch (err) {
    end("failed");
    if (err instanceof PatchApplyError) return fail(`apply_patch failed: ${err.message}`);
    throw err;
  }
  let diff: string | undefined;
  for (const c of changes) {
    diff = ctx.recordFileChange?.(c.path, c.before, c.movePath ? null : c.after);
    if (c.movePath) diff = ctx.recordFileChange?.(c.movePath, null, c.after);
  }
  end("completed");
  if (diff !== undefined) ctx.emit({ type: "turn_diff_updated", turnId: ctx.turnId, diff });
  return { output: summary(changes), success: true };
}

/**
 * `apply_patch` in Codex's patch format, offered as Codex offers it to its GPT-5 models: a
 * freeform (`custom`) tool whose call carries the patch as raw input. The function form
 * (`{"input": "<patch>"}`) is accepted too, for models that call it that way.
 */
export function applyPatchTool(): ToolHandler<unknown> {
  return defineTool<ApplyPatchArgs>({
    spec: {
      type: "custom",
      name: "apply_patch",
      description: DESCRIPTION,
      format: { type: "grammar", syntax: "lark", definition: GRAMMAR },
    },
    args: ApplyPatchArgs,
    customInput: (input) => ({ input }),
    // Two patches to one file must not interleave their verify and write steps.
    parallelSafe: false,
    kind: { type: "apply_patch" },
    handle: (args, inv) => applyPatch(args.input, inv),
  });
}
