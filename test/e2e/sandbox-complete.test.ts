import { mkdir } from 'node:fs/promises';
import pg from 'pg';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/start-sandbox.js';
import { eventually } from '../support/eventually.js';
import { approveOnPage, openSandboxPage, sandboxStep, startTestSandbox } from '../support/sandbox-browser.js';

const REQUESTER = 'U0SBAPP'; // Alex
const APPROVER = 'U0SBAP2'; // Sam
const RUN = 'sandbox-1';

let sandbox: Sandbox;
let browser: Browser;
let page: Page;

const step = (stepName: string, body: () => Promise<void>) =>
  sandboxStep('sandbox-complete', stepName, { page, sandbox, runId: RUN }, body);
const approve = (gate: Locator) => approveOnPage(page, gate);

beforeAll(async () => {
  sandbox = await startTestSandbox({
    // Short steps so that the whole plan (5, 25, 50, 100 %) and the completion fit in a minute.
    observeSeconds: 1,
    seed: { services: 4, routesPerService: 2, consumers: 20, upstreams: 2, targetsPerUpstream: 2 },
    // Clusters of two nodes each, with a second Kong Enterprise workspace: every node is scraped, the
    // second workspace is restored, counted and watched, and the runs complete as with one of each.
    nodes: 2,
    workspaces: true,
  });
  ({ browser, page } = await openSandboxPage());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

/** One whole upgrade from the page: start, approve every step, complete; checks each applied split. */
async function upgrade(runId: string, steps: number[]): Promise<void> {
  const thread = page.getByTestId('thread-pane');
  await step(`${runId}-start`, async () => {
    await page.getByTestId('user-picker').selectOption(REQUESTER);
    const stepsArg = steps.join(',') === '5,25,50,100' ? '' : ` --steps ${steps.join(',')}`;
    await page.getByTestId('command-input').fill(`/kong-upgrade start sandbox${stepsArg}`);
    await page.getByTestId('command-send').click();
    const card = page
      .getByTestId('message')
      .filter({ hasText: `Kong upgrade ${runId}` })
      .first();
    await card.getByTestId('thread-link').click({ timeout: 20_000 });
    // The real verify passes Y after the deploy's migrations, and says what they changed.
    const verified = thread.getByTestId('message').filter({ hasText: 'Verify passed' });
    await verified.waitFor({ timeout: 60_000 });
    // Its row and entity counts differ, and it says why.
    expect(await verified.textContent()).toMatch(/entities of \d+ types .*not Admin API entities/);
    const verify = await sandbox.composition.store.events.listEvents(runId);
    expect(verify.some((e) => e.kind.endsWith('failed'))).toBe(false);
    await thread.getByTestId('message').filter({ hasText: "Differ after Y's migrations" }).first().waitFor();
    await page.getByTestId('user-picker').selectOption(APPROVER);
  });

  for (const weight of steps) {
    await step(`${runId}-shift-${weight}`, async () => {
      const gate = thread.getByTestId('message').filter({ hasText: `Shift ${weight} % of traffic to Y` });
      await gate.locator('[data-action-id="gate.approve"]').waitFor({ timeout: 30_000 });
      if (runId === RUN && weight === steps[0]) {
        await checkRendering('gate');
        // The one who started the run may not approve it: the click is received, then refused, and
        // the page says what the app answered instead of calling it acknowledged.
        await page.getByTestId('user-picker').selectOption(REQUESTER);
        await gate.locator('[data-action-id="gate.approve"]').click();
        const said = page.getByTestId('status-line').filter({ hasText: 'The app answered only you' });
        await said.waitFor({ timeout: 10_000 });
        expect(await page.getByTestId('status-line').textContent()).not.toContain('acknowledged');
        await page.getByTestId('user-picker').selectOption(APPROVER);
      }
      await approve(gate);
      await page
        .getByTestId('split-display')
        .filter({ hasText: `X ${100 - weight} % · Y ${weight} %` })
        // Two-node clusters, gate charts and a loaded CI machine: a step may take a while to show.
        .waitFor({ timeout: 45_000 });
      expect(sandbox.balancer.weights()).toEqual({ x: 100 - weight, y: weight });
    });
  }

  await step(`${runId}-complete`, async () => {
    // At 100 % X serves nothing: Y is judged against X's last window with traffic.
    const gate = thread.getByTestId('message').filter({ hasText: 'Complete the upgrade' });
    await gate.locator('[data-action-id="gate.approve"]').waitFor({ timeout: 30_000 });
    await approve(gate);
    const run = await eventually(async () => {
      const r = await sandbox.composition.store.runs.getRun(runId);
      return r?.phase === 'completed' && r;
    }, 20_000);
    expect(run.appliedWeight).toBe(100);
    await thread
      .getByTestId('message')
      .filter({ hasText: `${runId} summary` })
      .waitFor({ timeout: 10_000 });
    // The end of the freeze is announced in the channel itself.
    await page
      .getByTestId('message')
      .filter({ hasText: `${runId} is complete` })
      .filter({ hasText: 'The write freeze on X has ended' })
      // A reply broadcast to the channel shows in the channel and in its thread.
      .first()
      .waitFor({ timeout: 10_000 });
    expect(sandbox.balancer.weights()).toEqual({ x: 0, y: 100 });
    // Y serves everything now.
    const before = sandbox.balancer.stats().y.requests;
    await eventually(() => sandbox.balancer.stats().y.requests > before, 10_000);
    const gates = await sandbox.composition.store.gates.listGates(runId);
    // Rollback gates left out: with 2 requests a window on a busy machine, a p99 blip may ask for one;
    // this test is about the plan's steps and completion.
    const planGates = gates.filter((g) => g.kind !== 'rollback');
    expect(planGates.map((g) => [g.kind, g.targetWeight, g.status])).toEqual([
      ...steps.map((w) => ['shift', w, 'approved']),
      ['complete', 100, 'approved'],
    ]);
    // The thread reads in the order things happened.
    const lines = await thread.getByTestId('message').allTextContents();
    const order = ['Run started by', 'Preflight passed', 'Backup done', 'Restore done', 'Verify passed'];
    // (The summary may still come out above "approved Complete the upgrade": the completion job and
    // the click's own posting race; left to the engine's ordering work.)
    order.push(`${runId} summary`);
    const positions = order.map((text) => lines.findIndex((l) => l.includes(text)));
    expect(
      positions.every((p) => p >= 0),
      JSON.stringify(positions),
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // The open thread follows its newest reply (the page re-renders it on every change).
    if (runId === RUN) await checkRendering('finished');
    await page.getByTestId('thread-close').click();
  });
}

/**
 * The page renders what Slack would: shortcodes as emoji (Slack's own table), `_italics_`, code that
 * does not look like an error, tables that scroll rather than wrap, a thread open at its newest reply.
 * Saves a screenshot to test-results/ for a person to look at.
 */
async function checkRendering(name: string): Promise<void> {
  const thread = page.getByTestId('thread-pane');
  await mkdir('test-results', { recursive: true });
  await page.screenshot({ path: `test-results/sandbox-rendering-${name}.png` });
  const text = `${await page.getByTestId('timeline').textContent()}\n${await thread.textContent()}`;
  expect(text).not.toMatch(/:[a-z][a-z0-9_+-]*:/);
  expect(text).toMatch(/❄️|🔀|✅|🎉/u);
  // Numbers are for people (the summary's p95 once read "23.749999999996 ms").
  expect(text).not.toMatch(/\d\.\d{4,}/);
  // The verify report's notes are italic: rendered, underscores gone.
  const italics = await thread.locator('.msg-content i').allTextContents();
  expect(
    italics.some((t) => t.includes("Kong's own bookkeeping")),
    italics.join('\n'),
  ).toBe(true);
  // A string, as this file is typed without the DOM library.
  const styles = await page.evaluate(`(() => {
    const code = document.querySelector('.msg-content code');
    const pre = document.querySelector('.msg-content pre');
    const pane = document.getElementById('thread');
    return {
      code: code ? getComputedStyle(code).color : null,
      pre: pre ? getComputedStyle(pre).whiteSpace : null,
      preScrolls: pre ? getComputedStyle(pre).overflowX : null,
      threadAtBottom: pane ? pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40 : false,
    };
  })()`);
  expect(styles).toEqual({ code: 'rgb(29, 28, 29)', pre: 'pre', preScrolls: 'auto', threadAtBottom: true });
  expect(await page.title()).toBe('#kong-upgrades · kong-upgrade sandbox');
}

/** Tables in the sandbox's Y database (0: empty, as before a restore). */
async function yTables(): Promise<number> {
  const client = new pg.Client({
    connectionString: sandbox.config.environments.sandbox?.clusterY.databaseUrl,
  });
  await client.connect();
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'",
  );
  await client.end();
  return rows[0]?.n ?? -1;
}

describe('the sandbox in Chromium: upgrades one after another in one session', () => {
  it('runs X and Y as clusters of two nodes, each node scraped, X with two workspaces', async () => {
    const workspaces = (await (await fetch(`${sandbox.xCluster.adminUrl}/workspaces`)).json()) as {
      data: { name: string }[];
    };
    expect(workspaces.data.map((w) => w.name).sort()).toEqual(['default', 'team-b']);
    const env = sandbox.config.environments.sandbox;
    expect(env?.clusterX.metricsUrls).toEqual(sandbox.xCluster.metricsUrls);
    expect(env?.clusterY.metricsUrls).toEqual(sandbox.yCluster.metricsUrls);
    expect(sandbox.yCluster.nodes).toHaveLength(2);
    expect(env?.clusterY.proxyUrl).toBe(sandbox.yCluster.proxyUrl);
  });

  it('a whole run to 100 % and completed; a second start resets Y by itself and completes too; Reset Y on the page', async () => {
    await step('load', async () => {
      await page.goto(`${sandbox.urls.page}?user=${REQUESTER}`);
      await page.locator('body[data-ready="true"]').waitFor({ timeout: 10_000 });
    });

    await upgrade(RUN, [5, 25, 50, 100]);
    expect(await yTables()).toBeGreaterThan(0);

    await step('page-behaviour', async () => {
      const before = await page.getByTestId('message').count();
      // Plain text is a message for people, not a command.
      await page.getByTestId('command-input').fill('status');
      await page.getByTestId('command-send').click();
      await page
        .getByTestId('status-line')
        .filter({ hasText: 'Plain messages are not sent to the app' })
        .waitFor();
      expect(await page.getByTestId('message').count()).toBe(before);
      // `status` links the run card; the link shows it here instead of opening slack.com.
      await page.getByTestId('command-input').fill(`/kong-upgrade status ${RUN}`);
      await page.getByTestId('command-send').click();
      const link = page.getByTestId('message-link').filter({ hasText: 'run card' }).last();
      await link.click({ timeout: 10_000 });
      expect(new URL(page.url()).pathname).toBe('/sandbox');
      expect(page.context().pages()).toHaveLength(1);
      await page
        .getByTestId('thread-pane')
        .filter({ hasText: `${RUN} summary` })
        .waitFor();
      await page.getByTestId('thread-close').click();
    });

    // The second start finds Y filled by the first run's restore and at 100 %: the sandbox empties
    // it and puts the traffic back on X before the bot sees the command (a real restore refuses a
    // filled database), and tells the one who typed it.
    await upgrade('sandbox-2', [50, 100]);
    await step('auto-reset-note', async () => {
      await page.getByTestId('user-picker').selectOption(REQUESTER);
      await page
        .getByTestId('timeline')
        .getByTestId('message')
        .filter({ hasText: "Sandbox reset: Y's database is empty again and 100 % of traffic is on X" })
        .waitFor({ timeout: 5_000 });
    });

    await step('reset-button', async () => {
      await page.getByTestId('reset-y').click();
      await page
        .getByTestId('split-display')
        .filter({ hasText: 'X 100 % · Y 0 %' })
        .waitFor({ timeout: 5_000 });
      await page.getByTestId('status-line').filter({ hasText: 'Sandbox reset' }).waitFor();
      expect(sandbox.balancer.weights()).toEqual({ x: 100, y: 0 });
      expect(await yTables()).toBe(0);
    });
  }, 300_000);
});
