import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startLoadLoop } from '../support/load-loop.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { TEST_REDIS_URL } from '../support/test-redis.js';
import {
  type ServiceBot,
  startBotOnServices,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../support/throwaway-services.js';

const CHANNEL = 'C0PGOUTAGE';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';
const TRY_AGAIN = /database is not reachable right now.*Try again in a minute/;

/**
 * Issue 8, item 3: the bot's own PostgreSQL goes away mid-run. Commands and clicks answer "try
 * again" and change nothing, /healthz says 503 naming postgres; once it is back the same click
 * works, the workers' jobs retry and the run completes.
 */
describe('PostgreSQL outage in the middle of a run', () => {
  let postgres: ThrowawayPostgres;
  let pair: KongPair;
  let bot: ServiceBot;
  let load: { stop(): Promise<void> };

  beforeAll(async () => {
    [postgres, pair] = await Promise.all([
      startThrowawayPostgres(),
      startKongPair({ seedY: true, xVersion: '3.4.2' }),
    ]);
    const databaseUrl = await postgres.createDatabase('kong_upgrade');
    const open = pair.seed.fixtures.open?.path ?? '/';
    load = startLoadLoop([`${pair.x.proxyUrl}${open}`, `${pair.y.proxyUrl}${open}`], 60);
    bot = await startBotOnServices({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true },
        environments: {
          prod: pair.environment({
            metrics: { source: 'kong', intervalSeconds: 1, thresholds: { minRequests: 20 } },
            plan: { steps: [5, 100], observeSeconds: 3 },
          }),
        },
      },
      databaseUrl,
      redisUrl: TEST_REDIS_URL,
      workers: true,
      reconcileIntervalMs: 1000,
      definitions: seededYDefinitions(),
    });
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await postgres?.start().catch(() => undefined);
    await bot?.close();
    await pair?.close();
    await postgres?.destroy();
  });

  const store = () => bot.composition.store;

  function pendingGate(kind: Gate['kind'], target?: number): Promise<Gate> {
    return postedGate(store().gates, 'prod-1', { kind, target });
  }

  function click(gate: Gate, userId = APPROVER) {
    return clickGate(bot.requester, gate, { userId, channelId: CHANNEL });
  }

  async function healthz(): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${bot.url}/healthz`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  const routerPosts = () => pair.router.posts();

  /** On failure, what the run, its gates and the bot's log said: a rare failure should explain itself. */
  async function explained<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      const run = await store().runs.getRun('prod-1');
      const gates = await store().gates.listGates('prod-1');
      const events = (await store().events.listEvents('prod-1')).slice(-15);
      const windows = (await store().samples.listSamples('prod-1'))
        .filter((w) => w.cluster === 'y')
        .slice(-8)
        .map((w) => `${w.verdict}(${w.requests} req)`);
      const warnings = bot.logs
        .filter((l) => /"level":(40|50|60)/.test(l))
        .slice(-30)
        .map((l) => {
          const entry = JSON.parse(l) as { time: number; msg?: string; err?: { message?: string } };
          return `${new Date(entry.time).toISOString()} ${entry.msg}${entry.err?.message ? `: ${entry.err.message}` : ''}`;
        });
      throw new Error(
        [
          (err as Error).message,
          `run: ${run?.phase} paused=${run?.paused} weight=${run?.appliedWeight}`,
          `gates: ${gates.map((g) => `${g.kind}:${g.targetWeight}:${g.status}:${g.messageTs ? 'posted' : 'unposted'}`).join(' ')}`,
          `last windows on Y: ${windows.join(' ')}`,
          `events: ${events.map((e) => `${e.kind}${e.details.message ? `(${String(e.details.message)})` : ''}`).join(' ')}`,
          'warnings:',
          ...warnings,
        ].join('\n'),
      );
    }
  }

  it('while PostgreSQL is down: "try again" for commands and clicks, /healthz 503 naming postgres, nothing written', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    const gate = await pendingGate('shift', 5);
    // A gate's chart is added to its message whenever its upload is done (a gate.chart event, written
    // outside any decision): it is left out of "nothing written".
    const decisions = async () =>
      (await store().events.listEvents('prod-1')).filter((e) => e.kind !== 'gate.chart');
    const eventsBefore = await decisions();
    expect((await healthz()).status).toBe(200);

    await postgres.stop();
    for (const text of ['status prod-1', 'start prod', 'shift prod-1 50', 'abort prod-1']) {
      const reply = await bot.requester.slashCommand({ text, userId: REQUESTER, channelId: CHANNEL });
      expect(reply.status).toBe(200);
      const body = JSON.parse(reply.body) as { text: string; response_type?: string };
      expect({ text, reply: body.text }).toEqual({ text, reply: expect.stringMatching(TRY_AGAIN) });
      expect(body.response_type).toBe('ephemeral');
    }
    const responsesBefore = bot.slack.responses().length;
    const clicked = await click(gate);
    expect(clicked.status).toBe(200);
    const refusal = await eventually(() => bot.slack.responses().slice(responsesBefore)[0]);
    expect(String(refusal.body.text)).toMatch(TRY_AGAIN);
    expect(refusal.body.response_type).toBe('ephemeral');
    const health = await healthz();
    expect(health.status).toBe(503);
    expect(health.body.ok).toBe(false);
    expect(Object.keys(health.body.failed as object)).toEqual(['postgres']);
    expect(JSON.stringify(health.body)).not.toContain('password');

    await postgres.start();
    await eventually(async () => (await healthz()).status === 200, 15_000);
    // Nothing half-written: the gate is still open, the run where it was, no new audit rows.
    expect((await store().gates.getGate(gate.id))?.status).toBe('pending');
    const run = await store().runs.getRun('prod-1');
    expect(run?.phase).toBe('awaiting_gate');
    expect(run?.appliedWeight).toBeNull();
    expect(await decisions()).toEqual(eventsBefore);
    expect(routerPosts()).toEqual([]);
  }, 60_000);

  it('once it is back, the same click works; an outage while traffic is split only delays the run', async () => {
    await click(await pendingGate('shift', 5));
    await eventually(async () => (await store().runs.getRun('prod-1'))?.phase === 'observing', 30_000);
    await eventually(async () => (await store().samples.listSamples('prod-1')).length >= 2, 20_000);

    await postgres.stop();
    // Compare jobs and the reconciler fail meanwhile; they retry.
    await new Promise((r) => setTimeout(r, 3000));
    await postgres.start();

    await click(await explained(pendingGate('shift', 100)));
    await explained(
      eventually(async () => (await store().runs.getRun('prod-1'))?.appliedWeight === 100, 30_000),
    );
    await click(await explained(pendingGate('complete')));
    const run = await explained(
      eventually(async () => {
        const r = await store().runs.getRun('prod-1');
        return r?.phase === 'completed' && r;
      }, 30_000),
    );
    expect(run.appliedWeight).toBe(100);
    expect(routerPosts().map((w) => w.y)).toEqual([5, 100]);
    const events = await store().events.listEvents('prod-1');
    expect(events.filter((e) => e.kind === 'gate.approved')).toHaveLength(3);
    expect(events.filter((e) => e.kind === 'traffic.weight_applied')).toHaveLength(2);
  }, 90_000);
});
