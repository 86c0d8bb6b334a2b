import { randomBytes } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.js';
import { eventually } from '../support/eventually.js';
import { approveOnPage, openSandboxPage, sandboxStep } from '../support/sandbox-browser.js';
import { TEST_PG_ADMIN_URL } from '../support/test-database.js';
import { TEST_REDIS_URL } from '../support/test-redis.js';

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
  sandbox = await startSandbox({
    databaseUrl: TEST_PG_ADMIN_URL,
    redisUrl: TEST_REDIS_URL,
    port: 0,
    name: `e2e_${randomBytes(4).toString('hex')}`,
    // Short steps so that the whole plan (5, 25, 50, 100 %) and the completion fit in a minute.
    observeSeconds: 1,
    intervalSeconds: 1,
    minRequests: 2,
    loadRate: 60,
    seed: { services: 4, routesPerService: 2, consumers: 20, upstreams: 2, targetsPerUpstream: 2 },
    removeOnStop: true,
  });
  ({ browser, page } = await openSandboxPage());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

describe('the sandbox in Chromium: a whole run to 100 % and completed', () => {
  it('start (real restore, migrations 3.4 → 3.9, verify) → every shift step approved from the page → completed', async () => {
    await step('load', async () => {
      await page.goto(`${sandbox.urls.page}?user=${REQUESTER}`);
      await page.locator('body[data-ready="true"]').waitFor({ timeout: 10_000 });
    });

    const thread = page.getByTestId('thread-pane');
    await step('start', async () => {
      await page.getByTestId('command-input').fill('/kong-upgrade start sandbox');
      await page.getByTestId('command-send').click();
      const card = page.getByTestId('message').filter({ hasText: 'Kong upgrade sandbox-1' }).first();
      await card.getByTestId('thread-link').click({ timeout: 20_000 });
      // The real verify passes Y after the deploy's migrations, and says what they changed.
      await thread.getByTestId('message').filter({ hasText: 'Verify passed' }).waitFor({ timeout: 60_000 });
      const verify = await sandbox.composition.store.events.listEvents(RUN);
      expect(verify.some((e) => e.kind.endsWith('failed'))).toBe(false);
      await thread.getByTestId('message').filter({ hasText: "Changed by Y's migrations" }).first().waitFor();
      await page.getByTestId('user-picker').selectOption(APPROVER);
    });

    for (const weight of [5, 25, 50, 100]) {
      await step(`shift-${weight}`, async () => {
        const gate = thread.getByTestId('message').filter({ hasText: `Shift ${weight} % of traffic to Y` });
        await gate.locator('[data-action-id="gate.approve"]').waitFor({ timeout: 30_000 });
        await approve(gate);
        await page
          .getByTestId('split-display')
          .filter({ hasText: `X ${100 - weight} % · Y ${weight} %` })
          .waitFor({ timeout: 20_000 });
        expect(sandbox.balancer.weights()).toEqual({ x: 100 - weight, y: weight });
      });
    }

    await step('complete', async () => {
      // At 100 % X serves nothing: Y is judged against X's last window with traffic.
      const gate = thread.getByTestId('message').filter({ hasText: 'Complete the upgrade' });
      await gate.locator('[data-action-id="gate.approve"]').waitFor({ timeout: 30_000 });
      await approve(gate);
      const run = await eventually(async () => {
        const r = await sandbox.composition.store.runs.getRun(RUN);
        return r?.phase === 'completed' && r;
      }, 20_000);
      expect(run.appliedWeight).toBe(100);
      await thread
        .getByTestId('message')
        .filter({ hasText: 'sandbox-1 summary' })
        .waitFor({ timeout: 10_000 });
      // The end of the freeze is announced in the channel itself (a thread reply broadcast to the channel).
      await page
        .getByTestId('timeline')
        .getByTestId('message')
        .filter({ hasText: 'sandbox-1 is complete' })
        .filter({ hasText: 'The write freeze on X has ended' })
        .waitFor({ timeout: 10_000 });
      expect(sandbox.balancer.weights()).toEqual({ x: 0, y: 100 });
      // Y serves everything now.
      const before = sandbox.balancer.stats().y.requests;
      await eventually(() => sandbox.balancer.stats().y.requests > before, 10_000);
      const gates = await sandbox.composition.store.gates.listGates(RUN);
      expect(gates.map((g) => [g.kind, g.targetWeight, g.status])).toEqual([
        ['shift', 5, 'approved'],
        ['shift', 25, 'approved'],
        ['shift', 50, 'approved'],
        ['shift', 100, 'approved'],
        ['complete', 100, 'approved'],
      ]);
    });
  }, 90_000);
});
