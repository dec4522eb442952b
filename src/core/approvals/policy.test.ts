import { test } from "node:test";
import assert from "node:assert/strict";
import { commandApprovalNeed, fileChangeApprovalNeed } from "./policy.js";

const RO = { type: "readOnly" } as const;
const WW = { type: "workspaceWrite" as const, writableRoots: [] as string[] };
const FULL = { type: "dangerFullAccess" } as const;

test("commands: unconfined sandboxes run, confined ones ask, never refuses, known-safe always runs", () => {
  assert.equal(commandApprovalNeed("on-request", FULL, "touch x", false).type, "run");
  assert.equal(commandApprovalNeed("never", FULL, "touch x", false).type, "run");
  assert.equal(commandApprovalNeed("untrusted", FULL, "touch x", false).type, "ask");
  assert.equal(commandApprovalNeed("untrusted", FULL, "ls", false).type, "run");
  assert.equal(commandApprovalNeed("on-request", RO, "touch x", false).type, "ask");
  assert.equal(commandApprovalNeed("on-request", WW, "touch x", false).type, "ask");
  assert.equal(commandApprovalNeed("on-request", RO, "cat f", false).type, "run");
  assert.equal(commandApprovalNeed("never", RO, "touch x", false).type, "refuse");
  assert.equal(commandApprovalNeed("on-request", RO, "touch x", true).type, "run");
  const granular = (sandbox_approval: boolean) => ({
    granular: { sandbox_approval, rules: true, mcp_elicitations: true },
  });
  assert.equal(commandApprovalNeed(granular(true), RO, "touch x", false).type, "ask");
  assert.equal(commandApprovalNeed(granular(false), RO, "touch x", false).type, "refuse");
});

test("file changes inside the writable roots: read-only asks, workspace-write and full access apply", () => {
  assert.equal(fileChangeApprovalNeed("on-request", RO, false).type, "ask");
  assert.equal(fileChangeApprovalNeed("never", RO, false).type, "refuse");
  assert.equal(fileChangeApprovalNeed("on-request", WW, false).type, "run");
  assert.equal(fileChangeApprovalNeed("never", FULL, false).type, "run");
  assert.equal(fileChangeApprovalNeed("untrusted", FULL, false).type, "ask");
  assert.equal(fileChangeApprovalNeed("untrusted", FULL, true).type, "run");
});
