import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployJob } from '../../jobs/deploy.js';
import { JOB_DEFINITIONS } from '../../jobs/index.js';
import type { Gate } from '../../src/domain/gate.js';
import type { JobDefinition } from '../../src/engine/job-definition.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { type SlowHttpProxy, startSlowHttpProxy } from '../support/slow-http-proxy.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0FAULTKG1';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';
/** Kept small so the bounded retries end in seconds; production uses 5 attempts and 10 s timeouts. */
const JOB_ATTEMPTS = 2;
const KONG_TIMEOUT_MS = 1000;
const KONG_RETRIES = 1;

/**
 * Issue 8, item 5: Kong's Admin API down or slow during a run. Each case ends in bounded time with
 * one clear message in the thread saying what to do, and nothing else moves: no later phase, no
 * router call, the recorded weight unchanged.
 */
describe('Kong Admin API faults during a run', () => {
  let xDown: KongPair;
  let slowX: KongPair;
  let yDown: KongPair;
  let xProxy: SlowHttpProxy;
  let bot: TestBot;

  const stub = (name: 'backup' | 'restore' | 'verify'): JobDefinition => ({
    name,
    phase: name,
    run: async ({ run }) => {
      // Y's nodes are being replaced: from here on its Admin API refuses connections.
      if (name === 'restore' && run.environment === 'ydown') await yDown.y.close();
      return { type: 'succeeded', summary: `${name}: not part of this test (Y was seeded like X)` };
    },
  });

  beforeAll(async () => {
    [xDown, slowX, yDown] = await Promise.all([
      startKongPair({ xVersion: '3.4.2' }),
      startKongPair({ xVersion: '3.4.2', seedY: true }),
      startKongPair({ xVersion: '3.4.2' }),
    ]);
    xProxy = await startSlowHttpProxy(slowX.x.adminUrl);
    const slowEnv = slowX.environment({ plan: { steps: [5, 25, 100], observeSeconds: 3600 } });
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true },
        environments: {
          xdown: xDown.environment(),
          slowx: {
            ...slowEnv,
            // Only the Admin API goes through the proxy; metrics are scraped from the node directly.
            clusterX: { ...(slowEnv.clusterX as Record<string, unknown>), adminUrl: xProxy.url },
          },
          ydown: yDown.environment({
            deploy: {
              commands: [['node', '-e', 'console.log("kong migrations up: ok")']],
              timeoutSeconds: 2,
            },
          }),
        },
      },
      workers: true,
      jobAttempts: JOB_ATTEMPTS,
      adapters: { kongTimeoutMs: KONG_TIMEOUT_MS, kongRetries: KONG_RETRIES },
      definitions: [
        ...JOB_DEFINITIONS.filter((d) => !['backup', 'restore', 'deploy', 'verify'].includes(d.name)),
        stub('backup'),
        stub('restore'),
        stub('verify'),
        createDeployJob({ pollIntervalMs: 200, minWaitMs: 1000, adminTimeoutMs: 500 }),
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await bot?.close();
    await xProxy?.close();
    await Promise.all([xDown?.close(), slowX?.close(), yDown?.close()]);
  });

  const store = () => bot.composition.store;

  async function thread(runId: string): Promise<string[]> {
    const run = await store().runs.getRun(runId);
    return bot.slack.thread(CHANNEL, run?.threadTs ?? '').map((m) => m.text);
  }

  function pendingGate(runId: string, target: number): Promise<Gate> {
    return postedGate(store().gates, runId, { kind: 'shift', target });
  }

  /**
   * This file sends no traffic, so comparisons judge nothing: record what a step up needs (Y held 5 %
   * past the observation period with a passing comparison) just before asking and approving.
   */
  async function readyForStepUp() {
    await bot.composition.db.query(
      "UPDATE runs SET last_verdict = 'pass', step_started_at = now() - interval '2 hours' WHERE id = 'slowx-1'",
    );
  }

  function approve(gate: Gate) {
    return clickGate(bot.requester, gate, { userId: APPROVER, channelId: CHANNEL });
  }

  /** The worker's "job failed" log lines of one job of one run: one per attempt. */
  function failedAttempts(runId: string, job: string): { final: boolean; code: string }[] {
    return bot.logs
      .flatMap((line) => line.split('\n').filter(Boolean))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l.msg === 'job failed' && l.runId === runId && l.job === job)
      .map((l) => ({ final: l.final === true, code: String(l.code) }));
  }

  it("X's Admin API down at preflight: bounded retries, then the run fails naming X's Admin API and what to do", async () => {
    await xDown.x.close();
    await bot.requester.slashCommand({ text: 'start xdown', userId: REQUESTER, channelId: CHANNEL });
    const run = await eventually(async () => {
      const r = await store().runs.getRun('xdown-1');
      return r?.phase === 'failed' && r;
    }, 30_000);
    expect(run.failedPhase).toBe('preflight');
    expect(run.failureReason).toMatch(/^E_KONG_UNREACHABLE: /);
    expect(failedAttempts('xdown-1', 'preflight')).toEqual([
      { final: false, code: 'E_KONG_UNREACHABLE' },
      { final: true, code: 'E_KONG_UNREACHABLE' },
    ]);

    // The failure line is posted just after the phase is committed: wait for it.
    const failures = await eventually(async () => {
      const lines = (await thread('xdown-1')).filter((t) => t.startsWith(':x:'));
      return lines.length > 0 && lines;
    });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(
      /^:x: Preflight checks failed: X's Kong Admin API at http:\/\/127\.0\.0\.1:\d+ could not be reached for GET \/(status)? \(ECONNREFUSED\)\. Check the adminUrl in the config file and that the node is running and reachable from the bot\.$/,
    );

    // Nothing else happened: no later job, no gate, no backup, no router call.
    const events = await store().events.listEvents('xdown-1');
    expect(events.filter((e) => e.kind.startsWith('job.') && !e.kind.startsWith('job.preflight'))).toEqual(
      [],
    );
    expect(events.filter((e) => e.kind === 'job.preflight.failed')).toHaveLength(1);
    expect(await store().gates.pendingGates('xdown-1')).toEqual([]);
    expect(await readdir(xDown.backupDir)).toEqual([]);
    expect(xDown.router.posts()).toEqual([]);
    expect(run.appliedWeight).toBeNull();
  }, 60_000);

  it("X's Admin API slow at the drift check before a step: the step fails clearly, the weight stays, a new approval applies it", async () => {
    await bot.requester.slashCommand({ text: 'start slowx', userId: REQUESTER, channelId: CHANNEL });
    await approve(await pendingGate('slowx-1', 5));
    await eventually(async () => (await store().runs.getRun('slowx-1'))?.appliedWeight === 5, 30_000);
    const routerPosts = () => slowX.router.posts().map((w) => w.y);
    expect(routerPosts()).toEqual([5]);

    await readyForStepUp();
    // The starter asks (any approver but the one who asked may approve a step up).
    await bot.requester.slashCommand({ text: 'shift slowx-1 25', userId: REQUESTER, channelId: CHANNEL });
    const gate = await pendingGate('slowx-1', 25);
    // X's table digests would confirm an unchanged X without its Admin API; without a baseline (as when
    // X's database was not reachable at the freeze) the Admin API decides, and here it is slow.
    await bot.composition.db.query("DELETE FROM x_freeze_digests WHERE run_id = 'slowx-1'");
    const seen = xProxy.requests.length;
    xProxy.setDelay(5 * KONG_TIMEOUT_MS);
    await readyForStepUp();
    await approve(gate);
    const failure = await eventually(
      async () => (await thread('slowx-1')).find((t) => t.includes('traffic step failed')),
      30_000,
    ).catch(async (err: Error) => {
      const events = (await store().events.listEvents('slowx-1')).slice(-8);
      throw new Error(
        `${err.message}: ${events.map((e) => `${e.kind} ${JSON.stringify(e.details).slice(0, 200)}`).join(' | ')}`,
      );
    });
    expect(failure).toMatch(
      /X's Kong Admin API at http:\/\/127\.0\.0\.1:\d+ did not answer GET \/\S+ within 1000 ms\. Check that the node is healthy and not overloaded\./,
    );
    expect(failure).toContain('The recorded weight is unchanged (Y 5 %).');
    expect(failure).toContain('/kong-upgrade shift slowx-1 <percent>');
    expect(failure).toContain('once the cause above is fixed, or roll back.');
    expect(failure).not.toContain('..');

    // Bounded: each job attempt tried X's first collection once plus its retries, then gave up.
    const held = xProxy.requests.slice(seen).filter((r) => r.delayedMs > 0);
    expect(held).toHaveLength(JOB_ATTEMPTS * (1 + KONG_RETRIES));
    expect(new Set(held.map((r) => `${r.method} ${r.path.split('?')[0]}`)).size).toBe(1);
    const run = await store().runs.getRun('slowx-1');
    expect(run?.appliedWeight).toBe(5);
    expect(run?.phase).toBe('observing');
    expect(routerPosts()).toEqual([5]);
    const events = await store().events.listEvents('slowx-1');
    expect(events.filter((e) => e.kind === 'job.shift.failed').map((e) => e.details.code)).toEqual([
      'E_KONG_TIMEOUT',
    ]);
    expect(events.filter((e) => e.kind === 'traffic.weight_applied')).toHaveLength(1);

    // X answers again: a new approval checks for drift and applies the step.
    xProxy.setDelay(0);
    await readyForStepUp();
    await bot.requester.slashCommand({ text: 'shift slowx-1 25', userId: REQUESTER, channelId: CHANNEL });
    const again = await pendingGate('slowx-1', 25);
    await readyForStepUp();
    await approve(again);
    await eventually(async () => (await store().runs.getRun('slowx-1'))?.appliedWeight === 25, 30_000);
    expect(routerPosts()).toEqual([5, 25]);
    expect(slowX.router.weights).toEqual({ x: 75, y: 25 });
  }, 90_000);

  it("Y's Admin API down while deploy waits for Y: the run fails after the deploy timeout with the last state seen", async () => {
    await bot.requester.slashCommand({ text: 'start ydown', userId: REQUESTER, channelId: CHANNEL });
    const run = await eventually(async () => {
      const r = await store().runs.getRun('ydown-1');
      return r?.phase === 'failed' && r;
    }, 30_000);
    expect(run.failedPhase).toBe('deploy');
    expect(run.failureReason).toMatch(/^E_DEPLOY_TIMEOUT: /);
    // Not retryable: the deploy timeout is the bound, so one attempt only.
    expect(failedAttempts('ydown-1', 'deploy')).toEqual([{ final: true, code: 'E_DEPLOY_TIMEOUT' }]);

    // The failure line is posted just after the phase is committed: wait for it.
    const failures = await eventually(async () => {
      const lines = (await thread('ydown-1')).filter((t) => t.startsWith(':x:'));
      return lines.length > 0 && lines;
    });
    expect(failures).toHaveLength(1);
    const text = failures[0] ?? '';
    expect(text).toMatch(/^:x: Deploying Y failed: Y was not healthy at version 3\.9\.1 within 2 s\./);
    expect(text).toMatch(
      /Last seen: Y's Admin API did not answer: .*http:\/\/127\.0\.0\.1:\d+ could not be reached for GET \/status \(ECONNREFUSED\)/,
    );
    expect(text).toContain("Check Y's nodes and logs");
    expect(text).not.toContain('..');
    const events = await store().events.listEvents('ydown-1');
    expect(events.filter((e) => e.kind.startsWith('job.verify'))).toEqual([]);
    expect(await store().gates.pendingGates('ydown-1')).toEqual([]);
    expect(yDown.router.posts()).toEqual([]);
  }, 60_000);
});
