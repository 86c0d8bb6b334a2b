import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/start-sandbox.js';
import { eventually } from '../support/eventually.js';
import { openSandboxPage, sandboxStep, startTestSandbox } from '../support/sandbox-browser.js';

const RILEY = 'U0SBREQ'; // starts the run, approves nothing
const ALEX = 'U0SBAPP';
const SAM = 'U0SBAP2';

let sandbox: Sandbox;
let browser: Browser;
let page: Page;

const step = (stepName: string, body: () => Promise<void>) =>
  sandboxStep('sandbox-governance', stepName, { page, sandbox, runId: 'sandbox-1' }, body);
/** A screenshot in test-results/ for a person to look at. */
const shot = async (name: string) => {
  await mkdir('test-results', { recursive: true });
  await page.screenshot({ path: `test-results/sandbox-governance-${name}.png` });
};
const be = (user: string) => page.getByTestId('user-picker').selectOption(user);

beforeAll(async () => {
  sandbox = await startTestSandbox({
    observeSeconds: 2,
    seed: { services: 3, routesPerService: 2, consumers: 10, upstreams: 1, targetsPerUpstream: 2 },
    governance: true,
  });
  ({ browser, page } = await openSandboxPage());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

describe('the sandbox in Chromium: governance in Slack', () => {
  it('start form → a gate needing two approvers → a reject with a reason in the modal → App Home', async () => {
    await step('load', async () => {
      await page.goto(`${sandbox.urls.page}?user=${RILEY}`);
      await page.locator('body[data-ready="true"]').waitFor({ timeout: 10_000 });
    });

    const modal = page.getByTestId('modal');
    await step('start-form', async () => {
      await page.getByTestId('command-input').fill('/kong-upgrade start');
      await page.getByTestId('command-send').click();
      await modal
        .getByTestId('modal-title')
        .filter({ hasText: 'Start a Kong upgrade' })
        .waitFor({ timeout: 10_000 });
      // The only environment is preselected; the form is the command.
      await page.getByTestId('modal-submit').click();
      await modal.getByTestId('modal-body').filter({ hasText: 'sandbox-1' }).waitFor({ timeout: 10_000 });
      await page.getByTestId('modal-cancel').click();
      await expect.poll(() => modal.isVisible()).toBe(false);
      const run = await sandbox.composition.store.runs.getRun('sandbox-1');
      expect(run?.requestedBy).toBe(RILEY);
    });

    const thread = page.getByTestId('thread-pane');
    const firstGate = thread.getByTestId('message').filter({ hasText: 'Shift 5 % of traffic to Y' });
    await step('two-approvers', async () => {
      const card = page.getByTestId('message').filter({ hasText: 'Kong upgrade sandbox-1' }).first();
      await card.getByTestId('thread-link').click({ timeout: 20_000 });
      await firstGate.filter({ hasText: 'Approvals: 0 of 2' }).waitFor({ timeout: 60_000 });
      await be(ALEX);
      await firstGate.locator('[data-action-id="gate.approve"]').click();
      await firstGate.filter({ hasText: 'Approvals: 1 of 2' }).waitFor({ timeout: 20_000 });
      expect(sandbox.balancer.weights()).toEqual({ x: 100, y: 0 });
      await be(SAM);
      await firstGate.locator('[data-action-id="gate.approve"]').click();
      await page
        .getByTestId('split-display')
        .filter({ hasText: 'X 95 % · Y 5 %' })
        .waitFor({ timeout: 20_000 });
    });

    const nextGate = thread.getByTestId('message').filter({ hasText: 'Shift 25 % of traffic to Y' });
    await step('reject-with-reason', async () => {
      await nextGate.locator('[data-action-id="gate.reject"]').waitFor({ timeout: 60_000 });
      await be(ALEX);
      await nextGate.locator('[data-action-id="gate.reject"]').click();
      await modal
        .getByTestId('modal-title')
        .filter({ hasText: 'Reason to reject' })
        .waitFor({ timeout: 10_000 });
      // A blank reason is refused under its field; the gate stays open.
      await page.getByTestId('modal-submit').click();
      await modal
        .getByTestId('modal-error')
        .filter({ hasText: 'Please write a reason' })
        .waitFor({ timeout: 10_000 });
      await shot('reason-modal');
      await modal.locator('[data-block-id="reason"]').fill('p95 on /orders is twice X');
      await modal.locator('[data-block-id="ticket"]').fill('OPS-9');
      await page.getByTestId('modal-submit').click();
      await expect.poll(() => modal.isVisible(), { timeout: 10_000 }).toBe(false);
      await thread
        .getByTestId('message')
        .filter({ hasText: 'Reason: "p95 on /orders is twice X" (ticket OPS-9)' })
        .waitFor({ timeout: 20_000 });
      const rejected = await eventually(async () => {
        const events = await sandbox.composition.store.events.listEvents('sandbox-1');
        return events.find((e) => e.kind === 'gate.rejected');
      }, 10_000);
      expect(rejected).toMatchObject({
        actor: ALEX,
        details: { reason: 'p95 on /orders is twice X', ticket: 'OPS-9' },
      });
      expect(sandbox.balancer.weights()).toEqual({ x: 95, y: 5 });
    });

    await step('app-home', async () => {
      await page.getByTestId('tab-home').click();
      const home = page.getByTestId('home-pane');
      await home.filter({ hasText: 'sandbox-1' }).waitFor({ timeout: 10_000 });
      await home.filter({ hasText: 'X 95 % / Y 5 %' }).waitFor();
      await shot('app-home');
      // The Home tab replaces the channel, as in Slack.
      expect(await page.getByTestId('timeline').isVisible()).toBe(false);
      await home.locator('[data-action-id="home.start"]').click();
      await modal
        .getByTestId('modal-title')
        .filter({ hasText: 'Start a Kong upgrade' })
        .waitFor({ timeout: 10_000 });
      await page.getByTestId('modal-cancel').click();
      await page.getByTestId('tab-channel').click();
    });
  }, 180_000);
});
