import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import type { JobDefinition } from '../../src/engine/job-definition.js';
import { createGateClickHandler } from '../../src/slack/handle-gate-click.js';
import { buildBlockActionsBody } from '../../src/slack/sign-slack-request.js';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { emptyXFingerprint } from '../support/empty-x-fingerprint.js';
import { eventually } from '../support/eventually.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { connectRedis, type StateSnapshot, snapshotState } from './hostile-support.js';

/**
 * Issue 8 (6): hostile interactivity payloads (block_actions with any shape, unknown payload types,
 * gate ids that are not uuids, uuids of no gate, real gates clicked by non-approvers) never crash the
 * bot and change nothing; replayed signed requests are absorbed by the domain (a gate is decided
 * once, a second start is refused); tampered requests get 401.
 */
const CHANNEL = 'C0HOSTACT1';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';

const stub = (name: 'preflight' | 'backup' | 'restore' | 'deploy' | 'verify'): JobDefinition => ({
  name,
  phase: name,
  // Preflight freezes X (an empty one): without a fingerprint no increase may be approved.
  run: async () => ({
    type: 'succeeded',
    summary: `${name}: stubbed`,
    ...(name === 'preflight' ? { facts: { xFingerprint: emptyXFingerprint() } } : {}),
  }),
});

describe('hostile interactivity payloads and replays', () => {
  let bot: TestBot;
  let redis: Redis;
  let prodGate: Gate;
  let stagingGate: Gate;
  let shiftsApplied: number;
  let before: StateSnapshot;

  const shift: JobDefinition = {
    name: 'shift',
    phase: 'shifting',
    async run({ payload, deps }) {
      shiftsApplied += 1;
      const gate = payload.gateId ? await deps.store.gates.getGate(payload.gateId) : null;
      return { type: 'weight_applied', weight: gate?.targetWeight ?? 0 };
    },
  };

  async function countRefusals(): Promise<number> {
    const rows = await bot.composition.db.query(
      "SELECT count(*)::int AS n FROM run_events WHERE kind = 'gate.refused'",
    );
    return Number(rows[0]?.n ?? 0);
  }

  async function pendingGate(runId: string): Promise<Gate> {
    return eventually(async () => {
      const [gate] = await bot.composition.store.gates.pendingGates(runId);
      return gate?.messageTs ? gate : null;
    }, 20_000);
  }

  beforeAll(async () => {
    shiftsApplied = 0;
    const config = minimalConfigObject();
    const environments = config.environments as Record<string, unknown>;
    environments.staging = structuredClone(environments.prod);
    environments.qa = structuredClone(environments.prod);
    config.slack = { channel: CHANNEL };
    config.approvals = { approvers: [APPROVER], fourEyes: true };
    bot = await startTestBot({
      config,
      workers: true,
      definitions: [
        stub('preflight'),
        stub('backup'),
        stub('restore'),
        stub('deploy'),
        stub('verify'),
        shift,
      ],
    });
    redis = connectRedis();
    for (const env of ['prod', 'staging'])
      await bot.requester.slashCommand({ text: `start ${env}`, userId: REQUESTER, channelId: CHANNEL });
    prodGate = await pendingGate('prod-1');
    stagingGate = await pendingGate('staging-1');
    before = await snapshotState(bot, redis);
  }, 60_000);

  afterAll(async () => {
    redis?.disconnect();
    await bot?.close();
  });

  const nonApprover = fc.oneof(
    fc.constantFrom(REQUESTER, 'U0STRANGER', '', ' ', 'null', `<@${APPROVER}>`, `${APPROVER} `, 'u0app'),
    fc.string({ unit: 'binary', maxLength: 30 }).filter((u) => u.replaceAll('\u0000', '') !== APPROVER),
  );
  const gateIdLike = () =>
    fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.uuid(),
      fc.constantFrom(
        prodGate.id,
        stagingGate.id,
        prodGate.id.toUpperCase(),
        `${prodGate.id} `,
        `${prodGate.id}\u0000`,
        prodGate.id.slice(0, 35),
        '00000000-0000-0000-0000-000000000000',
        "' OR 1=1 --",
      ),
    );

  it('10,000 clicks through the handler: non-approvers, bad ids, unknown uuids — refused, nothing moves', async () => {
    const c = bot.composition;
    const handle = createGateClickHandler({ ...c.deps, engine: c.engine, isApprover: c.isApprover });
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          gateId: gateIdLike(),
          userId: nonApprover,
          action: fc.constantFrom('approve' as const, 'reject' as const),
        }),
        async (input) => {
          const reply = await handle(input);
          expect(reply.after).toBeUndefined();
          expect(reply.ephemeral?.trim()).toBeTruthy();
          expect(reply.ephemeral).not.toMatch(/Something went wrong|undefined|\[object Object\]/);
        },
      ),
      { numRuns: 10_000 },
    );
    // Approvers with ids of no gate are refused as well.
    const unknown = await handle({
      gateId: '6f1c4a52-0000-4000-8000-000000000000',
      userId: APPROVER,
      action: 'approve',
    });
    expect(unknown.ephemeral).toMatch(/no longer exists/);
    expect(await snapshotState(bot, redis)).toEqual(before);
    expect(shiftsApplied).toBe(0);
    console.info(`hostile clicks via handler: 10,000 cases in ${Date.now() - started} ms`);
  }, 120_000);

  const actionId = fc.oneof(
    fc.constantFrom('gate.approve', 'gate.reject', 'gate.approve ', 'GATE.APPROVE', 'other.action', ''),
    fc.string({ maxLength: 40 }),
  );

  it('2,000 arbitrary signed interactivity payloads over HTTP: no crash, no state change', async () => {
    const action = fc.record(
      {
        type: fc.constantFrom('button', 'static_select', 'garbage'),
        action_id: actionId,
        block_id: fc.string({ maxLength: 20 }),
        value: fc.oneof(gateIdLike(), fc.jsonValue()),
        action_ts: fc.constant('1754000012.345678'),
      },
      { requiredKeys: [] },
    );
    const payload = fc.record(
      {
        type: fc.oneof(
          fc.constantFrom('block_actions', 'view_submission', 'view_closed', 'shortcut', 'message_action'),
          fc.constantFrom('interactive_message', 'block_suggestion', 'garbage', ''),
          fc.string({ maxLength: 20 }),
        ),
        team: fc.oneof(fc.constant({ id: 'T0KONG001', domain: 'acme' }), fc.jsonValue()),
        user: fc.oneof(fc.record({ id: nonApprover, name: fc.string() }), fc.jsonValue()),
        api_app_id: fc.constant('A0KONGBOT'),
        token: fc.constant('vtok'),
        trigger_id: fc.string({ maxLength: 20 }),
        channel: fc.oneof(fc.constant({ id: CHANNEL, name: 'ops' }), fc.jsonValue()),
        container: fc.jsonValue(),
        message: fc.jsonValue(),
        view: fc.jsonValue(),
        callback_id: fc.string({ maxLength: 20 }),
        actions: fc.oneof(fc.array(action, { maxLength: 3 }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    // Shaped like a real click (what reaches the bot's handlers), with hostile ids, values and extras.
    const clickLike = fc
      .tuple(
        payload,
        fc.record({ id: nonApprover, name: fc.string() }),
        fc.array(action, { minLength: 1, maxLength: 3 }),
        fc.record({
          action_id: fc.oneof(fc.constantFrom('gate.approve', 'gate.reject'), actionId),
          value: fc.oneof(fc.constantFrom(prodGate.id, stagingGate.id), gateIdLike()),
          type: fc.constant('button'),
        }),
      )
      .map(([p, user, actions, first]) => ({
        ...p,
        type: 'block_actions',
        user,
        actions: [first, ...actions],
      }));
    const body = fc.oneof(
      { weight: 4, arbitrary: payload.map((p) => buildBlockActionsBody(p as never)) },
      { weight: 4, arbitrary: clickLike.map((p) => buildBlockActionsBody(p as never)) },
      { weight: 1, arbitrary: fc.string().map((s) => `payload=${encodeURIComponent(s)}`) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
    );
    const refusedBefore = await countRefusals();
    const statuses = new Map<number, number>();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const t0 = Date.now();
        const reply = await bot.requester.send(raw);
        // Answered at once: nothing waits for Bolt's 3 s "unhandled request" timeout.
        expect(Date.now() - t0).toBeLessThan(2500);
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        // Valid signature: 200 (acknowledged, refused or ignored) or 400 (a payload that is not an object).
        expect([200, 400]).toContain(reply.status);
      }),
      { numRuns: 2000 },
    );
    const health = await request(`${bot.url}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    expect(await snapshotState(bot, redis)).toEqual(before);
    expect(shiftsApplied).toBe(0);
    // Clicks on real gates did reach the handler (and were refused and audited), not only the guard.
    expect(await countRefusals()).toBeGreaterThan(refusedBefore);
    console.info(
      `hostile payloads via HTTP: 2,000 cases in ${Date.now() - started} ms; statuses ${JSON.stringify([...statuses])}`,
    );
  }, 120_000);

  it.each(['view_submission', 'shortcut', 'message_action', 'garbage'])(
    'an unhandled payload type (%s) is answered without a crash',
    async (type) => {
      const raw = buildBlockActionsBody({
        type,
        user: { id: APPROVER },
        actions: [{ action_id: 'gate.approve', value: prodGate.id }],
      } as never);
      const reply = await bot.requester.send(raw);
      expect(reply.status).toBeLessThan(500);
      expect((await bot.composition.store.gates.getGate(prodGate.id))?.status).toBe('pending');
    },
  );

  it('a signed payload that is not a JSON object (payload=null) gets 400, and the bot keeps answering', async () => {
    for (const raw of ['payload=null', 'payload=5', 'payload=%22x%22', 'payload=%5B%5D', 'payload=%7B']) {
      const reply = await bot.requester.send(raw);
      expect(reply.status).toBe(400);
      expect((await bot.requester.send(raw, { sign: 'bad' })).status).toBe(401);
    }
    const health = await request(`${bot.url}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(health.statusCode).toBe(200);
    await health.body.dump();
  });

  it('tampered body, timestamp, signature, or a missing/stale signature: 401 and nothing changes', async () => {
    const click = await bot.requester.clickButton({
      userId: REQUESTER,
      actionId: 'gate.approve',
      value: prodGate.id,
      messageTs: prodGate.messageTs ?? '',
      channelId: CHANNEL,
    });
    expect(click.status).toBe(200);
    const sent = click.request;
    const tamperedBody = sent.body.replace(encodeURIComponent(REQUESTER), encodeURIComponent(APPROVER));
    expect(tamperedBody).not.toBe(sent.body);
    const ts = Number(sent.headers['x-slack-request-timestamp']);
    const sig = sent.headers['x-slack-signature'] ?? '';
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`;
    const variants = [
      { ...sent, body: tamperedBody },
      { ...sent, headers: { ...sent.headers, 'x-slack-request-timestamp': String(ts + 1) } },
      { ...sent, headers: { ...sent.headers, 'x-slack-signature': flipped } },
      { ...sent, headers: { ...sent.headers, 'x-slack-signature': sig.replace('v0=', 'v1=') } },
      { ...sent, headers: { 'content-type': sent.headers['content-type'] ?? '' } },
    ];
    for (const v of variants) expect((await bot.requester.replay(v)).status).toBe(401);
    const unsigned = await bot.requester.clickButton({
      userId: APPROVER,
      actionId: 'gate.approve',
      value: prodGate.id,
      messageTs: prodGate.messageTs ?? '',
      channelId: CHANNEL,
      sign: 'none',
    });
    const wrongSecret = await bot.requester.clickButton({
      userId: APPROVER,
      actionId: 'gate.approve',
      value: prodGate.id,
      messageTs: prodGate.messageTs ?? '',
      channelId: CHANNEL,
      sign: 'bad',
    });
    const stale = await bot.requester.clickButton({
      userId: APPROVER,
      actionId: 'gate.approve',
      value: prodGate.id,
      messageTs: prodGate.messageTs ?? '',
      channelId: CHANNEL,
      oldTimestamp: true,
    });
    expect([unsigned.status, wrongSecret.status, stale.status]).toEqual([401, 401, 401]);
    const command = await bot.requester.slashCommand({
      text: 'start qa',
      userId: APPROVER,
      oldTimestamp: true,
    });
    expect(command.status).toBe(401);
    expect(await bot.composition.store.runs.getRun('qa-1')).toBeNull();
    expect((await bot.composition.store.gates.getGate(prodGate.id))?.status).toBe('pending');
    expect(shiftsApplied).toBe(0);
  });

  it('an exact replay of an approval within the window changes nothing more: the gate was decided once', async () => {
    const click = await bot.requester.clickButton({
      userId: APPROVER,
      actionId: 'gate.approve',
      value: stagingGate.id,
      messageTs: stagingGate.messageTs ?? '',
      channelId: CHANNEL,
    });
    expect(click.status).toBe(200);
    await eventually(async () => (await bot.composition.store.runs.getRun('staging-1'))?.appliedWeight === 5);
    const replays = await Promise.all(Array.from({ length: 5 }, () => bot.requester.replay(click.request)));
    expect(replays.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await new Promise((r) => setTimeout(r, 500));
    const events = await bot.composition.store.events.listEvents('staging-1');
    expect(events.filter((e) => e.kind === 'gate.approved')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'gate.refused' && e.details.code === 'not_pending')).toHaveLength(
      5,
    );
    expect(shiftsApplied).toBe(1);
    const run = await bot.composition.store.runs.getRun('staging-1');
    expect(run?.appliedWeight).toBe(5);
  });

  it('an exact replay of a start within the window is refused as a second start', async () => {
    const first = await bot.requester.slashCommand({
      text: 'start qa',
      userId: REQUESTER,
      channelId: CHANNEL,
    });
    expect(JSON.parse(first.body).text).toMatch(/Run \*qa-1\* started/);
    const replay = await bot.requester.replay(first.request);
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body).text).toMatch(/qa already has an active run: \*qa-1\*/);
    const runs = await bot.composition.db.query("SELECT id FROM runs WHERE environment = 'qa'");
    expect(runs.map((r) => r.id)).toEqual(['qa-1']);
  });
});
