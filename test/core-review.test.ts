// `review/start` over a spawned `spool app-server` and the scripted model, in a real git
// repository: the reviewer's own request (Codex's review guidelines, the target's prompt, none of
// the thread's history), its tool calls reaching the client, the review items, what the thread
// keeps afterwards, spans, the rollout bundle and the errors a client can provoke.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVER_NOTIFICATIONS } from "../src/protocol/index.js";
import { reduceBundle, stateJson, type RolloutTraceState } from "../src/rollout-trace/index.js";
import type { ModelScriptInput } from "../src/model-server/index.js";
import { killSpawned } from "./support/spawned-servers.js";
import { CODEX_0169_BIN, codexReduce } from "./support/codex-reducer.js";
import {
  ancestry,
  bundleOf,
  handshake,
  runTurn,
  startCoreSession,
  startOtlpReceiver,
  type CoreSession,
  type Notification,
} from "./support/core-server.js";

after(killSpawned);

type Input = Record<string, unknown>[];

function textOf(item: Record<string, unknown>): string {
  const content = item.content as { text?: string }[] | undefined;
  return (content ?? []).map((c) => c.text ?? "").join("");
}

function inputOf(s: CoreSession, n: number): Input {
  return (s.model.requests[n]!.body as { input: Input }).input;
}

/** A git repository with one commit on `main`, a commit on branch `feature` and an uncommitted change. */
function gitRepo(): { dir: string; base: string; head: string } {
  const dir = mkdtempSync(join(tmpdir(), "spool-review-repo-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.com",
      },
    })
      .toString()
      .trim();
  git("init", "-q", "-b", "main");
  writeFileSync(join(dir, "calc.js"), "export const add = (a, b) => a + b;\n");
  git("add", ".");
  git("commit", "-qm", "add");
  const base = git("rev-parse", "HEAD");
  git("checkout", "-qb", "feature");
  writeFileSync(join(dir, "calc.js"), "export const add = (a, b) => a - b;\n");
  git("commit", "-qam", "break add");
  const head = git("rev-parse", "HEAD");
  writeFileSync(join(dir, "calc.js"), "export const add = (a, b) => a * b;\n");
  return { dir, base, head };
}

const FINDINGS = {
  findings: [
    {
      title: "[P1] add multiplies its operands",
      body: "`add(2, 3)` returns 6.",
      confidence_score: 0.9,
      priority: 1,
      code_location: { absolute_file_path: "/repo/calc.js", line_range: { start: 1, end: 1 } },
    },
  ],
  overall_correctness: "patch is incorrect",
  overall_explanation: "The change breaks addition.",
  overall_confidence_score: 0.8,
};
const RENDERED =
  "The change breaks addition.\n\nReview comment:\n\n- [P1] add multiplies its operands — /repo/calc.js:1-1\n  `add(2, 3)` returns 6.";

async function reviewTurn(s: CoreSession, threadId: string, target: unknown): Promise<Notification> {
  const r = await s.rpc.request<{ turn: { id: string; status: string }; reviewThreadId: string }>(
    "review/start",
    { threadId, target },
  );
  assert.equal(r.reviewThreadId, threadId);
  assert.equal(r.turn.status, "inProgress");
  return s.waitFor(
    (n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id === r.turn.id,
  );
}

test("review/start runs the reviewer on the target with its tools; the thread keeps the findings", async () => {
  const repo = gitRepo();
  const script: ModelScriptInput = {
    responses: [
      { output: [{ type: "message", text: "earlier answer" }] },
      {
        output: [
          {
            type: "function_call",
            name: "exec_command",
            call_id: "call_diff",
            arguments: { cmd: "git diff" },
          },
        ],
      },
      { output: [{ type: "message", text: JSON.stringify(FINDINGS) }] },
      { output: [{ type: "message", text: "fixing it" }] },
    ],
  };
  const receiver = await startOtlpReceiver();
  const s = await startCoreSession({ script, receiver });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {
      cwd: repo.dir,
      approvalPolicy: "never",
      sandbox: "danger-full-access",
    });
    await runTurn(s, thread.id, "earlier prompt");
    const done = await reviewTurn(s, thread.id, { type: "uncommittedChanges" });
    const turn = done.params.turn as { id: string; status: string; items: { type: string; text?: string }[] };
    assert.equal(turn.status, "completed");
    assert.deepEqual(turn.items, [turn.items[0]]);
    assert.equal(turn.items[0]!.text, RENDERED);

    const mine = s.notifications.filter(
      (n) => n.params.turnId === turn.id || (n.params.turn as { id?: string } | undefined)?.id === turn.id,
    );
    const itemEvents = mine
      .filter((n) => n.method === "item/started" || n.method === "item/completed")
      .map((n) => `${n.method}:${(n.params.item as { type: string }).type}`);
    assert.deepEqual(itemEvents, [
      "item/started:enteredReviewMode",
      "item/completed:enteredReviewMode",
      "item/started:commandExecution",
      "item/completed:commandExecution",
      "item/started:exitedReviewMode",
      "item/completed:exitedReviewMode",
      "item/started:agentMessage",
      "item/completed:agentMessage",
    ]);
    const item = (type: string) =>
      mine.find((n) => n.method === "item/completed" && (n.params.item as { type: string }).type === type)!
        .params.item as Record<string, unknown>;
    assert.equal(item("enteredReviewMode").review, "current changes");
    assert.equal(item("exitedReviewMode").review, RENDERED);
    assert.match(String(item("commandExecution").aggregatedOutput), /-export const add = \(a, b\) => a - b;/);
    // The reviewer's JSON never streams to the client.
    assert.ok(!mine.some((n) => n.method === "item/agentMessage/delta"));
    for (const n of s.notifications) {
      const schema = (
        SERVER_NOTIFICATIONS as Record<
          string,
          { safeParse(v: unknown): { success: boolean; error?: unknown } }
        >
      )[n.method];
      assert.ok(schema?.safeParse(n.params).success, n.method);
    }

    // The reviewer's request: Codex's guidelines, the target's prompt, none of the thread's history.
    const reviewer = inputOf(s, 1);
    assert.match(textOf(reviewer[0]!), /^# Review guidelines:\n\nYou are acting as a reviewer/);
    assert.equal(
      textOf(reviewer.at(-1)!),
      "Review the current code changes (staged, unstaged, and untracked files) and provide prioritized findings.",
    );
    assert.ok(!reviewer.some((i) => textOf(i) === "earlier prompt"));
    assert.ok(inputOf(s, 2).some((i) => i.type === "function_call_output"));

    // The thread afterwards: its own history, the review's results and the rendered review.
    await runTurn(s, thread.id, "fix the first finding");
    const next = inputOf(s, 3);
    const texts = next.map(textOf);
    assert.ok(!texts.some((t) => t.startsWith("# Review guidelines")));
    assert.ok(!next.some((i) => i.type === "function_call"), "the reviewer's calls stay out of the thread");
    const results = texts.findIndex((t) =>
      t.startsWith("<user_action>\n  <context>User initiated a review task."),
    );
    assert.ok(results > texts.indexOf("earlier answer"));
    assert.match(texts[results]!, /<results>\n {2}The change breaks addition\.\n\nReview comment:/);
    assert.equal(texts[results + 1], RENDERED);
    assert.deepEqual(texts.slice(-1), ["fix the first finding"]);

    // Spans: review/start → op.dispatch.review → session_task.review → review.run_reviewer → run_turn.
    assert.equal(await s.stop(), 0, s.server.stderr());
    const spans = await receiver.waitForSpans(
      (all) => all.some((x) => x.name === "session_task.review"),
      10_000,
    );
    const task = spans.find((x) => x.name === "session_task.review")!;
    assert.equal(task.attributes["turn.id"], turn.id);
    const chain = ancestry(spans, task).map((x) => x.name);
    assert.deepEqual(chain.slice(1, 3), ["op.dispatch.review", "review/start"]);
    assert.equal(ancestry(spans, task).at(-1)!.attributes["turn.id"], turn.id);
    const run = spans.find((x) => x.name === "review.run_reviewer")!;
    assert.equal(run.attributes["codex.review.target"], "uncommittedChanges");
    const execSpan = spans.find((x) => x.name === "exec_command")!;
    assert.ok(ancestry(spans, execSpan).includes(run));

    // Rollout: the reviewer's two requests are inference calls of the review turn.
    const bundle = bundleOf(s.traceRoot, thread.id);
    const r = await reduceBundle(bundle);
    const state = JSON.parse(stateJson(r.state)) as RolloutTraceState;
    const reviewCalls = Object.values(state.inference_calls).filter((c) => c.codex_turn_id === turn.id);
    assert.equal(reviewCalls.length, 2);
    assert.equal(Object.values(state.tool_calls).length, 1);
    if (CODEX_0169_BIN) assert.deepEqual(await codexReduce(bundle), state);
  } finally {
    s.server.child.kill();
    await s.model.close();
    await receiver.close();
  }
});

test("review targets: a base branch names its merge base, a commit its title; plain text is the explanation", async () => {
  const repo = gitRepo();
  const s = await startCoreSession({
    script: {
      responses: [
        { output: [{ type: "message", text: "Looks fine to me." }] },
        { output: [{ type: "message", text: `prefix ${JSON.stringify(FINDINGS)} suffix` }] },
        { output: [{ type: "message", text: "" }] },
      ],
    },
  });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {
      cwd: repo.dir,
      approvalPolicy: "never",
      sandbox: "danger-full-access",
    });
    const exited = () =>
      s.notifications
        .filter(
          (n) =>
            n.method === "item/completed" && (n.params.item as { type: string }).type === "exitedReviewMode",
        )
        .map((n) => (n.params.item as { review: string }).review);
    const entered = () =>
      s.notifications
        .filter(
          (n) =>
            n.method === "item/completed" && (n.params.item as { type: string }).type === "enteredReviewMode",
        )
        .map((n) => (n.params.item as { review: string }).review);

    await reviewTurn(s, thread.id, { type: "baseBranch", branch: "main" });
    assert.equal(
      textOf(inputOf(s, 0).at(-1)!),
      `Review the code changes against the base branch 'main'. The merge base commit for this comparison is ${repo.base}. Run \`git diff ${repo.base}\` to inspect the changes relative to main. Provide prioritized, actionable findings.`,
    );
    await reviewTurn(s, thread.id, { type: "commit", sha: repo.head, title: "break add" });
    assert.equal(
      textOf(inputOf(s, 1).at(-1)!),
      `Review the code changes introduced by commit ${repo.head} ("break add"). Provide prioritized, actionable findings.`,
    );
    await reviewTurn(s, thread.id, { type: "custom", instructions: "  Check the README.  " });
    assert.equal(textOf(inputOf(s, 2).at(-1)!), "Check the README.");
    assert.deepEqual(entered(), [
      "changes against 'main'",
      `commit ${repo.head.slice(0, 7)}: break add`,
      "Check the README.",
    ]);
    assert.deepEqual(exited(), ["Looks fine to me.", RENDERED, "Reviewer failed to output a response."]);
  } finally {
    s.server.child.kill();
    await s.model.close();
  }
});

test("review/start refuses detached delivery and a busy thread; a review turn cannot be steered", async () => {
  const s = await startCoreSession({
    script: { responses: [{ output: [{ type: "message", text: "slow review" }], event_delay_ms: 150 }] },
  });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {});
    await assert.rejects(
      s.rpc.request("review/start", {
        threadId: thread.id,
        target: { type: "custom", instructions: "x" },
        delivery: "detached",
      }),
      (e: { code?: number }) => e.code === -32602,
    );
    await assert.rejects(
      s.rpc.request("review/start", { threadId: thread.id, target: { type: "nothing" } }),
      (e: { code?: number }) => e.code === -32602,
    );
    const r = await s.rpc.request<{ turn: { id: string } }>("review/start", {
      threadId: thread.id,
      target: { type: "custom", instructions: "look" },
    });
    const steer = {
      threadId: thread.id,
      input: [{ type: "text", text: "also this" }],
      expectedTurnId: r.turn.id,
    };
    await assert.rejects(s.rpc.request("turn/steer", steer), (e: { code?: number; message?: string }) => {
      assert.equal(e.code, -32600);
      assert.match(String(e.message), /cannot be steered/);
      return true;
    });
    await assert.rejects(
      s.rpc.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "hi" }] }),
      (e: { code?: number }) => e.code === -32600,
    );
    await assert.rejects(
      s.rpc.request("thread/compact/start", { threadId: thread.id }),
      (e: { code?: number; message?: string }) =>
        e.code === -32600 && /still running/.test(String(e.message)),
    );
    const done = await s.waitFor(
      (n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id === r.turn.id,
    );
    assert.equal((done.params.turn as { status: string }).status, "completed");
  } finally {
    s.server.child.kill();
    await s.model.close();
  }
});

test("an interrupted review leaves Codex's interrupted notice in the thread", async () => {
  const s = await startCoreSession({
    script: {
      responses: [
        { output: [{ type: "message", text: "never finished" }], event_delay_ms: 400 },
        { output: [{ type: "message", text: "ok" }] },
      ],
    },
  });
  try {
    await handshake(s);
    const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {});
    const r = await s.rpc.request<{ turn: { id: string } }>("review/start", {
      threadId: thread.id,
      target: { type: "uncommittedChanges" },
    });
    await s.model.waitFor(() => true);
    await s.waitFor(
      (n) =>
        n.method === "item/completed" && (n.params.item as { type: string }).type === "enteredReviewMode",
    );
    await s.rpc.request("turn/interrupt", { threadId: thread.id, turnId: r.turn.id });
    const done = await s.waitFor(
      (n) => n.method === "turn/completed" && (n.params.turn as { id: string }).id === r.turn.id,
    );
    assert.equal((done.params.turn as { status: string }).status, "interrupted");
    const exited = s.notifications.find(
      (n) => n.method === "item/completed" && (n.params.item as { type: string }).type === "exitedReviewMode",
    );
    assert.equal((exited?.params.item as { review: string }).review, "Reviewer failed to output a response.");
    await runTurn(s, thread.id, "what happened?");
    const texts = inputOf(s, 1).map(textOf);
    assert.ok(texts.some((t) => t.includes("User initiated a review task, but was interrupted.")));
    assert.ok(texts.includes("Review was interrupted. Please re-run /review and wait for it to complete."));
  } finally {
    s.server.child.kill();
    await s.model.close();
  }
});
