import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { CODEX_FIXTURE, replayCodexOtlp, startTestObserveServer, testOutputPath } from "./support/observe.js";

// Debian's chromium, driven by playwright-core (never a browser download); .ci/run installs it.
const CHROMIUM = process.env.SPOOL_CHROMIUM ?? "/usr/bin/chromium";
const missing = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`;

let server: Awaited<ReturnType<typeof startTestObserveServer>>;
let browser: Browser;
let page: Page;
let threadId: string;

before(async () => {
  if (missing) return;
  server = await startTestObserveServer({ traceRoots: [CODEX_FIXTURE] });
  assert.deepEqual(await replayCodexOtlp(server.otlpUrl), [200, 200, 200, 200]);
  const sessions = (await (await fetch(`${server.uiUrl}api/sessions`)).json()) as { threadId: string }[];
  threadId = sessions[0]!.threadId;
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
  await server?.dispose();
});

test(
  "the sessions page lists the recorded Codex thread, and its waterfall nests turn and tool spans",
  { skip: missing },
  async (t) => {
    await page.goto(server.uiUrl);
    const row = page.locator(`tr[data-thread-id="${threadId}"]`);
    await row.waitFor();
    assert.match(
      await row.innerText(),
      /codex-app-server[\s\S]*gpt-5\.1-codex-mock[\s\S]*280[\s\S]*completed/,
    );
    await row.locator("a").click();
    await page.locator(".waterfall .wf-row").first().waitFor();
    const total = Number(await page.locator(".waterfall").getAttribute("data-spans"));
    assert.ok(total > 600, `the whole thread: ${total} spans`);
    const inDom = await page.locator(".waterfall .wf-row").count();
    assert.ok(inDom < 120, `only the rows in view and a margin are in the DOM: ${inDom} of ${total}`);
    // The filter keeps each match with its ancestors: the process span's chain, root first.
    await page.locator("input.span-filter").fill("codex.process.spawn");
    await page.locator('.wf-row[data-name="codex.process.spawn"]').waitFor();
    const chain = await page
      .locator(".wf-row")
      .evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute("data-name"), Number(r.getAttribute("data-depth"))] as const),
      );
    const expected = [
      "turn/start",
      "op.dispatch.turn_input",
      "session_task.turn",
      "run_turn",
      "exec_command",
      "codex.process.spawn",
    ];
    const depths = expected.map((n) => chain.find(([name]) => name === n)?.[1] ?? -1);
    for (let i = 1; i < depths.length; i++)
      assert.ok(depths[i]! > depths[i - 1]!, `depths ${JSON.stringify(chain)}`);
    assert.deepEqual(
      chain.map(([, d]) => d),
      chain.map((_, i) => i),
      "one span per level: the ancestors of the match, in order",
    );
    assert.match(
      (await page.locator('.wf-row[data-name="exec_command"]').getAttribute("class"))!,
      /critical/,
    );

    await page.locator('.wf-row[data-name="exec_command"]').click();
    const detail = page.locator("#span-detail");
    await detail.locator("h2", { hasText: "exec_command" }).waitFor();
    assert.match(await detail.innerText(), /call_id[\s\S]*tool_name\s+exec_command/);

    const shot = testOutputPath("observe-codex-waterfall.png");
    await page.screenshot({ path: shot, fullPage: false });
    t.diagnostic(`screenshot: ${shot}`);
  },
);

test(
  "a trace turn opens the same turn in the rollout view, with both ids of each inference call, and links back",
  { skip: missing },
  async () => {
    await page.locator('.wf-row[data-name="session_task.turn"]').click();
    const turnSpanId = await page.locator("#span-detail").getAttribute("data-span-id");
    await page.locator("a.rollout-link").click();
    const turn = page.locator(".turn.highlight");
    await turn.waitFor();
    const turnId = await turn.getAttribute("data-turn-id");
    assert.ok(turnId && turnId.length > 10);
    const calls = turn.locator(".rt-inference");
    assert.equal(await calls.count(), 2);
    for (const call of await calls.all()) {
      assert.match((await call.locator(".response-id").innerText()).trim(), /^resp_/);
      assert.match((await call.locator(".upstream-request-id").innerText()).trim(), /^req_/);
    }
    assert.match(await turn.locator(".rt-tool").innerText(), /exec_command[\s\S]*exit 0 · stdout/);

    await turn.locator("a.trace-link").click();
    await page.locator("#span-detail h2", { hasText: "session_task.turn" }).waitFor();
    assert.equal(await page.locator("#span-detail").getAttribute("data-span-id"), turnSpanId);
  },
);

test("the charts tab plots TTFT, duration and tokens per turn", { skip: missing }, async () => {
  await page.goto(`${server.uiUrl}#/thread/${encodeURIComponent(threadId)}?tab=charts`);
  await page.locator(".charts .uplot").nth(2).waitFor();
  assert.equal(await page.locator(".charts .uplot canvas").count(), 3);
  assert.equal(await page.locator(".charts").getAttribute("data-turns"), "1");
});
