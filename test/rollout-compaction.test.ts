// Conversation item identity across compactions, as Codex 0.169's reducer numbers it. Every
// expectation here was first observed by running `codex debug trace-reduce` (0.169.0) on the same
// hand-built bundle; the real local-compaction bundle is the golden test in rollout-interop.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { reduceBundle, type ReduceResult } from "../src/rollout-trace/index.js";
import {
  BundleBuilder,
  ROLLOUT,
  THREAD,
  TURN,
  assistantMessage,
  scratchDir,
  userMessage,
} from "./rollout-bundle-builder.js";

const scratch = scratchDir("spool-rollout-compaction-");
after(scratch.cleanup);

function started(): BundleBuilder {
  const b = new BundleBuilder(scratch.dir);
  b.event({
    type: "rollout_started",
    trace_id: "00000000-0000-4000-8000-0000000000cc",
    root_thread_id: ROLLOUT,
  });
  b.rootThread();
  b.turnStarted();
  return b;
}

const developer = (id: string | undefined, text = "be careful") => ({
  type: "message",
  ...(id === undefined ? {} : { id }),
  role: "developer",
  content: [{ type: "input_text", text }],
});
const summary = (id: string) => ({ type: "compaction", id, encrypted_content: "ENCRYPTED-SUMMARY" });

/** A remote compaction of the current turn: request, response, install. */
function remoteCompaction(b: BundleBuilder, input: unknown[], replacement: unknown[]): void {
  const ctx = { thread: THREAD, turn: TURN };
  b.event(
    {
      type: "compaction_request_started",
      compaction_id: "cmp-1",
      compaction_request_id: "cr-1",
      thread_id: THREAD,
      codex_turn_id: TURN,
      model: "m",
      provider_name: "p",
      request_payload: b.payload("compaction_request", { input }),
    },
    ctx,
  );
  b.event(
    {
      type: "compaction_request_completed",
      compaction_id: "cmp-1",
      compaction_request_id: "cr-1",
      response_payload: b.payload("compaction_response", { output_items: replacement.slice(-1) }),
    },
    ctx,
  );
  b.event(
    {
      type: "compaction_installed",
      compaction_id: "cmp-1",
      checkpoint_payload: b.payload("compaction_checkpoint", {
        input_history: input,
        replacement_history: replacement,
      }),
    },
    ctx,
  );
}

const n = (ids: readonly string[]): number[] => ids.map((id) => Number(id.split(":")[1]));
const requestIds = (r: ReduceResult, call: string): number[] =>
  n(r.state.inference_calls.get(call)!.request_item_ids);
const transcript = (r: ReduceResult): number[] => n(r.state.threads.get(THREAD)!.conversation_item_ids);

describe("item identity by Responses item id", () => {
  test("re-injected context with new ids gets new items; items keeping their ids are reused (local compaction)", async () => {
    const b = started();
    b.inferenceStarted("i1", { input: [developer("d1"), userMessage("u1", "hi")] });
    b.inferenceCompleted("i1", "r1", "q1", [assistantMessage("a1", "yo")]);
    // The request after a local compaction: the context message comes back with a new id.
    b.inferenceStarted("i2", {
      input: [
        developer("d2"),
        userMessage("u1", "hi"),
        assistantMessage("a1", "yo"),
        userMessage("u2", "more"),
      ],
    });
    const r = await reduceBundle(b.write());
    assert.deepEqual(requestIds(r, "i2"), [4, 2, 3, 5]);
    assert.equal(r.state.conversation_items.get("conversation_item:4")!.responses_item_id, "d2");
  });

  test("an item without id matches by content and takes the id of a later sighting, with its acceptance", async () => {
    const b = started();
    b.inferenceStarted("i1", { input: [developer(undefined), userMessage("u1", "hi")] });
    const acceptedAt = b.accepted("d2");
    b.inferenceStarted("i2", { input: [developer("d2"), userMessage("u1", "hi")] });
    const r = await reduceBundle(b.write());
    assert.deepEqual(requestIds(r, "i2"), [1, 2]);
    const item = r.state.conversation_items.get("conversation_item:1")!;
    assert.equal(item.responses_item_id, "d2");
    assert.equal(item.accepted_seq, acceptedAt);
  });

  test("a sighting without id reuses an item with one and leaves its id alone", async () => {
    const b = started();
    b.inferenceStarted("i1", { input: [developer("d1"), userMessage("u1", "hi")] });
    b.inferenceStarted("i2", { input: [developer(undefined), userMessage("u1", "hi")] });
    const r = await reduceBundle(b.write());
    assert.deepEqual(requestIds(r, "i2"), [1, 2]);
    assert.equal(r.state.conversation_items.get("conversation_item:1")!.responses_item_id, "d1");
  });

  test("reasoning with equal encrypted content but another id is a new item", async () => {
    const b = started();
    const reasoning = (id: string) => ({ type: "reasoning", id, summary: [], encrypted_content: "E1" });
    b.inferenceStarted("i1", { input: [userMessage("u1", "hi")] });
    b.inferenceCompleted("i1", "r1", "q1", [reasoning("rs1"), assistantMessage("a1", "yo")]);
    b.inferenceStarted("i2", {
      input: [userMessage("u1", "hi"), reasoning("rs2"), assistantMessage("a1", "yo")],
    });
    const r = await reduceBundle(b.write());
    assert.deepEqual(requestIds(r, "i2"), [1, 4, 3]);
  });

  test("an acceptance applies to every item with its id, before and after it, with the first acceptance's seq", async () => {
    const b = started();
    const first = b.accepted("u1");
    b.inferenceStarted("i1", { input: [userMessage("u1", "hi")] });
    b.accepted("u1");
    b.inferenceStarted("i2", { input: [userMessage("u1", "changed")] });
    const r = await reduceBundle(b.write());
    assert.equal(r.state.conversation_items.size, 2);
    for (const item of r.state.conversation_items.values()) assert.equal(item.accepted_seq, first);
  });

  test("the thread transcript is in item creation order, also when an old answer is accepted late", async () => {
    const b = started();
    b.inferenceStarted("i1", { input: [userMessage("u1", "hi")] });
    b.inferenceCompleted("i1", "r1", "q1", [assistantMessage("a1", "yo"), assistantMessage("a2", "yo2")]);
    b.inferenceStarted("i2", { input: [userMessage("u0", "other")] });
    b.accepted("a2");
    b.accepted("a1");
    const r = await reduceBundle(b.write());
    assert.deepEqual(transcript(r), [1, 2, 3, 4]);
  });
});

describe("remote compaction (compaction_installed)", () => {
  test("input history is matched first, then the marker, then fresh replacement items; all join the transcript", async () => {
    const b = started();
    b.inferenceStarted("i1", { input: [developer("d1"), userMessage("u1", "hi")] });
    remoteCompaction(
      b,
      [developer("d1"), userMessage("u9", "never sent"), userMessage("u1", "hi")],
      [developer("d1"), userMessage("u1", "hi")],
    );
    b.inferenceStarted("i2", {
      input: [developer("d1"), userMessage("u1", "hi"), userMessage("u2", "next")],
    });
    const r = await reduceBundle(b.write());
    const c = r.state.compactions.get("cmp-1")!;
    assert.deepEqual(n(c.input_item_ids), [1, 3, 2]);
    assert.equal(c.marker_item_id, "conversation_item:4");
    assert.deepEqual(n(c.replacement_item_ids), [5, 6]);
    assert.deepEqual(requestIds(r, "i2"), [5, 6, 7]);
    assert.deepEqual(transcript(r), [1, 2, 3, 4, 5, 6, 7]);
  });

  test("an unaccepted answer in the compacted history joins the transcript at the install", async () => {
    const b = started();
    b.inferenceStarted("i1", { input: [developer("d1"), userMessage("u1", "hi")] });
    b.inferenceCompleted("i1", "r1", "q1", [assistantMessage("a1", "yo")]);
    remoteCompaction(
      b,
      [developer("d1"), userMessage("u1", "hi"), assistantMessage("a1", "yo")],
      [userMessage("u1", "hi"), summary("cs1")],
    );
    b.inferenceStarted("i2", {
      input: [developer("d1"), userMessage("u1", "hi"), summary("cs1"), userMessage("u2", "next")],
    });
    const r = await reduceBundle(b.write());
    // The re-injected developer message is compared with the replacement history: a new item.
    assert.deepEqual(requestIds(r, "i2"), [7, 5, 6, 8]);
    assert.deepEqual(transcript(r), [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test("the replacement is the baseline of the next full request only; an incremental one in between keeps it waiting", async () => {
    const b = started();
    b.inferenceStarted("i1", { input: [developer("d1"), userMessage("u1", "hi")] });
    b.inferenceCompleted("i1", "r1", "q1", [assistantMessage("a1", "yo")]);
    remoteCompaction(
      b,
      [developer("d1"), userMessage("u1", "hi"), assistantMessage("a1", "yo")],
      [summary("cs1")],
    );
    b.inferenceStarted("i2", { previous_response_id: "r1", input: [userMessage("u2", "next")] });
    b.inferenceCompleted("i2", "r2", "q2", [assistantMessage("a2", "ok")]);
    b.inferenceStarted("i3", {
      input: [summary("cs1"), userMessage("u2", "next"), assistantMessage("a2", "ok")],
    });
    b.inferenceStarted("i4", {
      input: [summary("cs1"), userMessage("u2", "next"), assistantMessage("a2", "ok")],
    });
    const r = await reduceBundle(b.write());
    assert.deepEqual(requestIds(r, "i2"), [1, 2, 3, 6]);
    assert.deepEqual(requestIds(r, "i3"), [5, 8, 9]);
    assert.deepEqual(requestIds(r, "i4"), [5, 8, 9]);
  });

  test("a response arriving after the install is appended to the pre-compaction snapshot", async () => {
    const b = started();
    b.inferenceStarted("i1", { input: [developer("d1"), userMessage("u1", "hi")] });
    remoteCompaction(b, [developer("d1"), userMessage("u1", "hi")], [summary("cs1")]);
    b.inferenceCompleted("i1", "r1", "q1", [assistantMessage("a1", "yo")]);
    b.inferenceStarted("i2", { input: [summary("cs1"), assistantMessage("a1", "yo")] });
    const r = await reduceBundle(b.write());
    assert.deepEqual(n(r.state.inference_calls.get("i1")!.response_item_ids), [5]);
    assert.deepEqual(requestIds(r, "i2"), [4, 6]);
  });
});

test("an incremental request that diverges from the snapshot at a known position is reduced with an anomaly", async () => {
  const b = started();
  b.inferenceStarted("i1", { input: [userMessage("u1", "hi")] });
  b.inferenceCompleted("i1", "r1", "q1", [assistantMessage("a1", "yo")]);
  b.inferenceStarted("i2", { previous_response_id: "r1", input: [userMessage("u2", "more")] });
  b.inferenceCompleted("i2", "r2", "q2", [assistantMessage("a2", "ok")]);
  b.inferenceStarted("i3", { previous_response_id: "r1", input: [userMessage("u3", "retry")] });
  const r = await reduceBundle(b.write());
  assert.deepEqual(requestIds(r, "i3"), [1, 2, 5]);
  assert.match(r.anomalies.join("\n"), /item 2 differs from conversation_item:3 at the same position/);
});

test("a re-sent image is the same item by its content hash; re-sent string content is a new item", async () => {
  const b = started();
  const image = (url: string) => ({
    type: "message",
    id: "m1",
    role: "user",
    content: [{ type: "input_image", image_url: url }],
  });
  const plain = { type: "message", id: "s1", role: "user", content: "not an array" };
  b.inferenceStarted("i1", { input: [image("u1"), plain] });
  b.inferenceStarted("i2", { input: [image("u1"), plain] });
  b.inferenceStarted("i3", { input: [image("u2"), plain] });
  const r = await reduceBundle(b.write());
  assert.deepEqual(requestIds(r, "i2"), [1, 3]);
  assert.deepEqual(requestIds(r, "i3"), [4, 5]);
});
