import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preflightJob } from '../../jobs/preflight.js';
import { eventually } from '../support/eventually.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0PREFLT01';

describe('preflight job against simulated Kong 2.8 -> 3.9', () => {
  let pair: KongPair;
  let missing: KongPair;
  let bot: TestBot;

  beforeAll(async () => {
    pair = await startKongPair();
    missing = await startKongPair({ yAvailablePlugins: ['key-auth', 'prometheus'] });
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: ['U0AAA'] },
        environments: { prod: pair.environment(), stage: missing.environment() },
      },
      workers: true,
      definitions: [preflightJob],
    });
  }, 120_000);

  afterAll(async () => {
    await bot?.close();
    await pair?.close();
    await missing?.close();
  });

  async function threadText(runId: string): Promise<string> {
    const run = await bot.composition.store.runs.getRun(runId);
    return bot.slack
      .thread(CHANNEL, run?.threadTs ?? '')
      .map((m) => m.text)
      .join('\n');
  }

  it('warns about the regex route and the cluster rate limiting by name, fingerprints X, and moves on to backup', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: 'U0REQ' });
    const run = await eventually(async () => {
      const r = await bot.composition.store.runs.getRun('prod-1');
      return r?.phase === 'backup' && r;
    }, 30_000);
    expect(run.fromVersion).toBe('2.8.4');
    expect(run.xFingerprinted).toBe(true);
    expect(await bot.composition.store.runs.getXFingerprint(run.id)).toMatchObject({ version: 1 });
    // The thread line of a phase change is posted just after the change is committed.
    const text = await eventually(async () => {
      const t = await threadText('prod-1');
      return /Preflight passed with \d+ warning/.test(t) && t;
    });
    const regex = pair.seed.fixtures.regexRoute;
    expect(regex).not.toBeNull();
    expect(text).toContain(regex?.route ?? '');
    expect(text).toMatch(/counters will not be synced/i);
    expect(text).toMatch(/Preflight passed with \d+ warning/);
  });

  it('fails the run naming a plugin used on X that Y does not offer', async () => {
    await bot.requester.slashCommand({ text: 'start stage', userId: 'U0REQ' });
    const run = await eventually(async () => {
      const r = await bot.composition.store.runs.getRun('stage-1');
      return r?.phase === 'failed' && r;
    }, 30_000);
    expect(run.failedPhase).toBe('preflight');
    expect(run.failureReason).toContain('E_PREFLIGHT_FAILED');
    const text = await threadText('stage-1');
    expect(text).toContain('rate-limiting');
    expect(text).toMatch(/❌/);
  });

  it('--dry-run posts the plan with commands and router calls and changes nothing', async () => {
    await bot.requester.slashCommand({ text: 'start prod --dry-run --steps 10,100', userId: 'U0REQ' });
    const run = await eventually(async () => {
      const runs = await bot.composition.store.runs.listRuns({ limit: 10 });
      const r = runs.find((x) => x.dryRun);
      return r?.phase === 'completed' && r;
    }, 30_000);
    expect(run.xFingerprinted).toBe(false);
    expect(await bot.composition.store.runs.getXFingerprint(run.id)).toBeNull();
    const text = await threadText(run.id);
    expect(text).toContain('Plan for prod');
    expect(text).toContain('pg_dump --format=directory');
    expect(text).toContain('migrations up: ok');
    expect(text).toMatch(/webhook|POST/i);
    expect(pair.router.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});
