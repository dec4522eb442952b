import type { ReviewTarget } from "../../protocol/index.js";

// Codex 0.169's review request texts (`prompts/src/review_*`, read from the 0.169.0 binary).

/** The review's user message and the words a client shows for what is reviewed. */
export interface ResolvedReview {
  prompt: string;
  /** `enteredReviewMode.review` (Codex's user-facing hint). */
  hint: string;
}

/**
 * The prompt for `target`. A base-branch review names the merge base when it is known (Codex
 * resolves it with git first); without it the model is told how to find it.
 */
export function reviewPrompt(target: ReviewTarget, mergeBaseSha?: string): ResolvedReview {
  switch (target.type) {
    case "uncommittedChanges":
      return {
        prompt:
          "Review the current code changes (staged, unstaged, and untracked files) and provide prioritized findings.",
        hint: "current changes",
      };
    case "baseBranch": {
      const b = target.branch;
      return {
        prompt: mergeBaseSha
          ? `Review the code changes against the base branch '${b}'. The merge base commit for this comparison is ${mergeBaseSha}. Run \`git diff ${mergeBaseSha}\` to inspect the changes relative to ${b}. Provide prioritized, actionable findings.`
          : `Review the code changes against the base branch '${b}'. Start by finding the merge diff between the current branch and ${b}'s upstream e.g. (\`git merge-base HEAD "$(git rev-parse --abbrev-ref "${b}@{upstream}")"\`), then run \`git diff\` against that SHA to see what changes we would merge into the ${b} branch. Provide prioritized, actionable findings.`,
        hint: `changes against '${b}'`,
      };
    }
    case "commit": {
      const short = target.sha.slice(0, 7);
      return {
        prompt: target.title
          ? `Review the code changes introduced by commit ${target.sha} ("${target.title}"). Provide prioritized, actionable findings.`
          : `Review the code changes introduced by commit ${target.sha}. Provide prioritized, actionable findings.`,
        hint: target.title ? `commit ${short}: ${target.title}` : `commit ${short}`,
      };
    }
    case "custom": {
      const text = target.instructions.trim();
      return { prompt: text, hint: text };
    }
  }
}

/** The user message the thread keeps after a finished review (`review_exit_success.xml`). */
export function reviewExitSuccess(results: string): string {
  return `<user_action>
  <context>User initiated a review task. Here's the full review output from reviewer model. User may select one or more comments to resolve.</context>
  <action>review</action>
  <results>
  ${results}
  </results>
  </user_action>`;
}

/** The user message the thread keeps after an interrupted review (`review_exit_interrupted.xml`). */
export const REVIEW_EXIT_INTERRUPTED = `<user_action>
  <context>User initiated a review task, but was interrupted. If user asks about this, tell them to re-initiate a review with \`/review\` and wait for it to complete.</context>
  <action>review</action>
  <results>
  None.
  </results>
</user_action>
`;

/** The assistant message after an interrupted review. */
export const REVIEW_INTERRUPTED_MESSAGE =
  "Review was interrupted. Please re-run /review and wait for it to complete.";
