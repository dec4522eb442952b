import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { chromium, type Browser, type Page } from "playwright-core";
import type { ModelScriptInput } from "../src/model-server/index.js";
import { startObserveServer, type ObserveServer, type ThreadView } from "../src/observe/index.js";
import { handshake, runTurn, startCoreSession } from "./support/core-server.js";
import { testOutputPath } from "./support/observe.js";
import { MAIN, killSpawned } from "./support/spawned-servers.js";

// Spool's own sessions in the viewer: the demo (`npm start`) and a session with a tool call, both
// written into one SPOOL_HOME's store, in Debian's chromium driven by playwright-core.
const CHROMIUM = process.env.SPOOL_CHROMIUM ?? "/usr/bin/chromium";
const missing = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`;

const TOOL_TURN = JSON.parse(
  readFileSync(new URL("./fixtures/model-scripts/tool-call-turn.json", import.meta.url), "utf8"),
) as { responses: object[] };
// Two turns: the tool call and its answer, then a plain answer.
const TWO_TURNS = {
  ...TOOL_TURN,
  responses: [
    ...TOOL_TURN.responses,
    {
      output: [{ type: "message", text: "done" }],
      usage: { input_tokens: 300, cached_tokens: 0, output_tokens: 5, reasoning_tokens: 0 },
    },
  ],
} as ModelScriptInput;

let server: ObserveServer;
let browser: Browser;
let page: Page;
let demoThread: string;
let toolThread: string;
let toolTurns: string[];

before(async () => {
  if (missing) return;
  const home = mkdtempSync(join(tmpdir(), "spool-observe-spool-"));
  const demo = await promisify(execFile)(process.execPath, [MAIN, "demo"], {
    env: { ...process.env, SPOOL_HOME: home },
  });
  demoThread = /thread\/start\s+thread (\S+)/.exec(demo.stdout)![1]!;
  const demoBundle = /Rollout bundle: (\S+)/.exec(demo.stdout)![1]!;

  const s = await startCoreSession({ home, script: TWO_TURNS });
  await handshake(s);
  const { thread } = await s.rpc.request<{ thread: { id: string } }>("thread/start", {});
  toolThread = thread.id;
  toolTurns = [
    (await runTurn(s, thread.id, "list the files")).turnId,
    (await runTurn(s, thread.id, "thanks")).turnId,
  ];
  assert.equal(await s.stop(), 0, s.server.stderr());
  await s.model.close();

  server = await startObserveServer({
    storePath: join(home, "observe.sqlite"),
    otlpPort: 0,
    uiPort: 0,
    traceRoots: [dirname(demoBundle), s.traceRoot],
    retention: { maxAgeMs: 7 * 24 * 3600_000, maxBytes: 1 << 30 },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (err) => assert.fail(`page error: ${err.message}`));
});

after(async () => {
  await browser?.close();
  await server?.close();
  killSpawned();
});

test(
  "the demo session's thread is listed; its waterfall nests the turn under its request; the turn's rollout shows both ids",
  { skip: missing },
  async () => {
    await page.goto(server.uiUrl);
    const row = page.locator(`tr[data-thread-id="${demoThread}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /spool_demo[\s\S]*spool[\s\S]*scripted-demo[\s\S]*completed/);
    await page.locator(`tr[data-thread-id="${toolThread}"]`).waitFor();

    await row.locator("a").click();
    await page.locator('.wf-row[data-name="session_task.turn"]').waitFor();
    const depth = async (name: string) =>
      Number(await page.locator(`.wf-row[data-name="${name}"]`).first().getAttribute("data-depth"));
    assert.ok((await depth("turn/start")) < (await depth("session_task.turn")));
    assert.ok((await depth("session_task.turn")) < (await depth("responses.stream_request")));

    await page.locator('.wf-row[data-name="session_task.turn"]').click();
    const detail = page.locator("#span-detail");
    await detail.locator("h2", { hasText: "session_task.turn" }).waitFor();
    await detail.locator("table.attrs th", { hasText: "turn.id" }).waitFor();
    await page.locator("a.rollout-link").click();
    const turn = page.locator(".turn.highlight");
    await turn.waitFor();
    // The demo's turn: one inference that calls the two tools, one that answers.
    const calls = turn.locator(".rt-inference");
    assert.equal(await calls.count(), 2);
    for (const call of await calls.all()) {
      assert.match((await call.locator(".response-id").innerText()).trim(), /^resp_/);
      assert.match((await call.locator(".upstream-request-id").innerText()).trim(), /^req_/);
    }
  },
);

test(
  "a tool call's timing event sits on its exec_command row, its wait shaded, and opens with the span",
  { skip: missing },
  async (t) => {
    await page.goto(`${server.uiUrl}#/thread/${encodeURIComponent(toolThread)}`);
    const tool = page.locator('.wf-row[data-name="exec_command"]');
    await tool.waitFor();
    assert.equal(await tool.locator('.wf-mark.log[data-event="codex.tool_call"]').count(), 1);
    const split = tool.locator(".wf-dispatch");
    assert.ok(Number(await split.getAttribute("data-handler-ms")) >= 0);
    await page
      .locator('.wf-row[data-name="process/start"] .wf-mark.log[data-event="codex.exec_server_process"]')
      .waitFor();
    await tool.click();
    const detail = page.locator("#span-detail");
    await detail.locator(".event.log strong", { hasText: "codex.tool_call" }).waitFor();
    assert.match(await detail.locator(".event.log").first().innerText(), /call_id\s+call_ls/);

    const shot = testOutputPath("observe-spool-tool-waterfall.png");
    await page.screenshot({ path: shot });
    t.diagnostic(`screenshot: ${shot}`);
  },
);

test("the charts tab plots and lists each turn's TTFT, duration and tokens", { skip: missing }, async () => {
  const view = (await (
    await fetch(`${server.uiUrl}api/threads/${encodeURIComponent(toolThread)}`)
  ).json()) as ThreadView;
  assert.deepEqual(
    view.turns.map((x) => x.turnId),
    toolTurns,
  );
  await page.goto(`${server.uiUrl}#/thread/${encodeURIComponent(toolThread)}?tab=charts`);
  await page.locator(".charts .uplot").nth(2).waitFor();
  assert.equal(await page.locator(".charts").getAttribute("data-turns"), "2");
  const rows = await page.locator(".turn-table tbody tr").evaluateAll((trs) =>
    trs.map((tr) => ({
      turn: tr.getAttribute("data-turn-id"),
      ttft: tr.querySelector(".ttft")!.textContent,
      tokensIn: tr.querySelector(".tokens-in")!.textContent,
    })),
  );
  assert.deepEqual(
    rows.map((r) => r.turn),
    toolTurns,
  );
  for (const [i, r] of rows.entries()) {
    assert.match(r.ttft!, /^\d+(\.\d+)? m?s$/, `turn ${i + 1} has a TTFT`);
    assert.equal(r.tokensIn, view.turns[i]!.inputTokens!.toLocaleString("en-US"));
  }
  assert.equal(view.turns[1]!.inputTokens, 300, "the second turn's one request");
});
