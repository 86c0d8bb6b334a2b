import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/start-sandbox.js';
import { eventually } from '../support/eventually.js';
import { approveOnPage, openSandboxPage, sandboxStep, startTestSandbox } from '../support/sandbox-browser.js';

const REQUESTER = 'U0SBAPP'; // Alex: an approver, so the four-eyes rule is what refuses the click
const APPROVER = 'U0SBAP2'; // Sam

let sandbox: Sandbox;
let browser: Browser;
let page: Page;

const step = (stepName: string, body: () => Promise<void>) =>
  sandboxStep('sandbox-flow', stepName, { page, sandbox, runId: 'sandbox-1' }, body);
const approve = (gate: Locator) => approveOnPage(page, gate);

beforeAll(async () => {
  sandbox = await startTestSandbox({
    // Long observation: the only gate after the first is the rollback that the faults cause.
    observeSeconds: 600,
    seed: { services: 4, routesPerService: 2, consumers: 20, upstreams: 2, targetsPerUpstream: 2 },
  });
  ({ browser, page } = await openSandboxPage());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

describe('the sandbox in Chromium: a run driven from the page', () => {
  it('start → first gate → four-eyes refusal → approval → 5 % on Y → faults → rollback gate → 0 % on Y', async () => {
    await step('load', async () => {
      await page.goto(`${sandbox.urls.page}?user=${REQUESTER}`);
      await page.locator('body[data-ready="true"]').waitFor({ timeout: 10_000 });
      await page.getByTestId('split-display').filter({ hasText: 'X 100 % · Y 0 %' }).waitFor();
    });

    // Gates are posted in the run's thread: open it from the run card.
    const thread = page.getByTestId('thread-pane');
    const firstGate = thread.getByTestId('message').filter({ hasText: 'Shift 5 % of traffic to Y' });
    await step('start', async () => {
      await page.getByTestId('command-input').fill('/kong-upgrade start sandbox');
      await page.getByTestId('command-send').click();
      const card = page.getByTestId('message').filter({ hasText: 'Kong upgrade sandbox-1' }).first();
      await card.getByTestId('thread-link').click({ timeout: 20_000 });
      // Preflight, backup (pg_dump), restore (pg_restore), deploy (the migrations) run for real first.
      await firstGate.locator('[data-action-id="gate.approve"]').waitFor({ timeout: 60_000 });
      const run = await sandbox.composition.store.runs.getRun('sandbox-1');
      expect(run?.phase).toBe('awaiting_gate');
      expect(run?.requestedBy).toBe(REQUESTER);
    });

    await step('four-eyes', async () => {
      await approve(firstGate);
      const refusal = await eventually(async () => {
        const events = await sandbox.composition.store.events.listEvents('sandbox-1');
        return events.find((e) => e.kind === 'gate.refused');
      }, 20_000);
      expect([refusal.actor, refusal.details.code]).toEqual([REQUESTER, 'four_eyes']);
      await page
        .getByTestId('message')
        .filter({ hasText: 'Only visible to you' })
        .filter({ hasText: /four-eyes/i })
        .waitFor({ timeout: 20_000 });
      expect(sandbox.balancer.weights()).toEqual({ x: 100, y: 0 });
      const gates = await sandbox.composition.store.gates.pendingGates('sandbox-1');
      expect(gates.map((g) => [g.kind, g.targetWeight])).toEqual([['shift', 5]]);
    });

    await step('approve', async () => {
      await page.getByTestId('user-picker').selectOption(APPROVER);
      await approve(firstGate);
      await page
        .getByTestId('split-display')
        .filter({ hasText: 'X 95 % · Y 5 %' })
        .waitFor({ timeout: 20_000 });
      expect(sandbox.balancer.weights()).toEqual({ x: 95, y: 5 });
      await firstGate.filter({ hasText: /Approved by @sam/ }).waitFor();
      // Y now serves real proxied traffic.
      await eventually(() => sandbox.balancer.stats().y.requests > 0, 10_000);
    });

    const rollbackGate = thread
      .getByTestId('message')
      .filter({ hasText: 'Roll back: send 100 % of traffic to X' });
    await step('faults', async () => {
      await page.getByTestId('fault-error-ratio').fill('100');
      await page.getByTestId('fault-latency').fill('0');
      await page.getByTestId('fault-apply').click();
      await page.getByTestId('fault-display').filter({ hasText: '100 % 5xx' }).waitFor();
      expect(sandbox.y.getFaults().errorRatio).toBe(1);
      await rollbackGate.locator('[data-action-id="gate.approve"]').waitFor({ timeout: 30_000 });
      expect(sandbox.balancer.weights()).toEqual({ x: 95, y: 5 }); // never without an approval
    });

    await step('rollback', async () => {
      await approve(rollbackGate);
      await page
        .getByTestId('split-display')
        .filter({ hasText: 'X 100 % · Y 0 %' })
        .waitFor({ timeout: 20_000 });
      expect(sandbox.balancer.weights()).toEqual({ x: 100, y: 0 });
      const run = await eventually(async () => {
        const r = await sandbox.composition.store.runs.getRun('sandbox-1');
        return r?.phase === 'rolled_back' && r;
      }, 20_000);
      expect(run.appliedWeight).toBe(0);
      const events = await sandbox.composition.store.events.listEvents('sandbox-1');
      expect(events.filter((e) => e.kind === 'gate.refused').map((e) => e.actor)).toEqual([REQUESTER]);
    });
  }, 120_000);
});
