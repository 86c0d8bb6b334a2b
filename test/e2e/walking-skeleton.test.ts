import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_QUEUE } from '../../src/queue/queue-names.js';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { eventually } from '../support/eventually.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { TEST_REDIS_URL } from '../support/test-redis.js';

const CHANNEL = 'C0RUNS0001';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0AAA';

let bot: TestBot;
let queue: Queue;

async function counts() {
  const [runs] = await bot.composition.db.query('SELECT count(*)::int AS n FROM runs');
  const [events] = await bot.composition.db.query('SELECT count(*)::int AS n FROM run_events');
  const jobs = await queue.getJobCounts();
  return { runs: runs?.n, events: events?.n, jobs: Object.values(jobs).reduce((a, b) => a + b, 0) };
}

function ackText(body: string): string {
  return (JSON.parse(body) as { text: string }).text;
}

beforeAll(async () => {
  const config: Record<string, unknown> = { ...minimalConfigObject(), slack: { channel: CHANNEL } };
  const environments = config.environments as Record<string, unknown>;
  environments.staging = environments.prod;
  bot = await startTestBot({ config });
  queue = new Queue(RUN_QUEUE, { connection: { url: TEST_REDIS_URL }, prefix: bot.queuePrefix });
});

afterAll(async () => {
  await queue?.close();
  await bot?.close();
});

describe('walking skeleton: /kong-upgrade through Slack, PostgreSQL and BullMQ', () => {
  it('start: acked fast, run and event written, card posted to the configured channel, job enqueued', async () => {
    const started = performance.now();
    const reply = await bot.requester.slashCommand({
      text: 'start prod',
      userId: REQUESTER,
      channelId: 'C0OTHER01',
    });
    const elapsed = performance.now() - started;
    expect(reply.status).toBe(200);
    expect(elapsed).toBeLessThan(3000);
    expect(ackText(reply.body)).toContain('prod-1');

    const run = await bot.composition.store.runs.getRun('prod-1');
    expect(run).toMatchObject({
      phase: 'preflight',
      requestedBy: REQUESTER,
      channel: CHANNEL,
      planSteps: [5, 25, 50, 100],
    });
    const events = await bot.composition.store.events.listEvents('prod-1');
    expect(events[0]).toMatchObject({ actor: REQUESTER, kind: 'command.start' });

    const card = await bot.slack.waitFor(() =>
      bot.slack.messages(CHANNEL).find((m) => m.text.includes('prod-1')),
    );
    expect(JSON.stringify(card.blocks)).toContain('Preflight checks');
    const thread = await bot.slack.waitFor(() => {
      const replies = bot.slack.thread(CHANNEL, card.ts);
      return replies.length > 0 && replies;
    });
    expect(thread[0]?.text).toContain('frozen');
    await eventually(async () => (await bot.composition.store.runs.getRun('prod-1'))?.cardTs === card.ts);

    const job = await queue.getJob('prod-1.preflight');
    expect(job?.name).toBe('preflight');
    expect(job?.data).toMatchObject({ v: 1, runId: 'prod-1' });
  });

  it('a second start for the same environment is refused, names the active run, writes nothing', async () => {
    const before = await counts();
    const reply = await bot.requester.slashCommand({ text: 'start prod', userId: 'U0SECOND' });
    expect(reply.status).toBe(200);
    const body = JSON.parse(reply.body) as { text: string; response_type: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('prod-1');
    expect(body.text).toMatch(/already has an active run/);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['stat', /Unknown sub-command "stat"/, /\/kong-upgrade status/],
    ['start nowhere', /nowhere/, /\/kong-upgrade start <environment>/],
    ['start prod --steps 5,200', /--steps/, /\/kong-upgrade start/],
    ['shift prod-1 150', /150/, /\/kong-upgrade shift <run> <percent>/],
    ['abort prod', /not a run/, /\/kong-upgrade abort <run>/],
    ['abort prod-99', /no run prod-99/, /\/kong-upgrade abort <run>/],
  ])(
    'bad input "%s": ephemeral reply with the problem and the usage, nothing written',
    async (text, problem, usage) => {
      const before = await counts();
      const reply = await bot.requester.slashCommand({ text, userId: REQUESTER });
      const body = JSON.parse(reply.body) as { text: string; response_type: string };
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toMatch(problem);
      expect(body.text).toMatch(usage);
      expect(await counts()).toEqual(before);
    },
  );

  it.each([
    ['a bad signature', { sign: 'bad' as const }],
    ['no signature', { sign: 'none' as const }],
    ['a timestamp older than 5 minutes', { oldTimestamp: true }],
  ])('a request with %s gets 401 and writes nothing', async (_name, opts) => {
    const before = await counts();
    const reply = await bot.requester.slashCommand({ text: 'start staging', userId: REQUESTER, ...opts });
    expect(reply.status).toBe(401);
    expect(await counts()).toEqual(before);
    expect(await bot.composition.store.runs.findActiveRun('staging')).toBeNull();
  });

  it('status and list show the run', async () => {
    const status = JSON.parse(
      (await bot.requester.slashCommand({ text: 'status prod-1', userId: 'U0WATCH' })).body,
    );
    expect(status.response_type).toBe('ephemeral');
    expect(JSON.stringify(status.blocks)).toContain('Kong upgrade prod-1');
    const implicit = JSON.parse(
      (await bot.requester.slashCommand({ text: 'status', userId: 'U0WATCH', channelId: CHANNEL })).body,
    );
    expect(JSON.stringify(implicit.blocks)).toContain('prod-1');
    const list = JSON.parse((await bot.requester.slashCommand({ text: 'list', userId: 'U0WATCH' })).body);
    expect(list.text).toContain('prod-1');
    expect(list.text).toContain('*Active runs* (1)');
  });

  it('help lists every sub-command', async () => {
    const help = JSON.parse((await bot.requester.slashCommand({ text: 'help', userId: 'U0WATCH' })).body);
    for (const sub of [
      'start',
      'status',
      'list',
      'compare',
      'shift',
      'rollback',
      'pause',
      'resume',
      'abort',
    ]) {
      expect(help.text).toContain(`/kong-upgrade ${sub}`);
    }
  });

  it('abort by someone who is neither requester nor approver is refused and audited', async () => {
    const reply = JSON.parse(
      (await bot.requester.slashCommand({ text: 'abort prod-1', userId: 'U0RANDOM' })).body,
    );
    expect(reply.text).toMatch(/Only <@U0REQ>/);
    expect((await bot.composition.store.runs.getRun('prod-1'))?.phase).toBe('preflight');
    const events = await bot.composition.store.events.listEvents('prod-1');
    expect(events.at(-1)).toMatchObject({ actor: 'U0RANDOM', kind: 'command.abort.refused' });
  });

  it('abort moves the run to aborted, removes its queued job, updates the card and audits who did it', async () => {
    const reply = JSON.parse(
      (await bot.requester.slashCommand({ text: 'abort prod-1', userId: APPROVER })).body,
    );
    expect(reply.text).toMatch(/prod-1 aborted/);
    const run = await bot.composition.store.runs.getRun('prod-1');
    expect(run).toMatchObject({ phase: 'aborted', failedPhase: 'preflight' });
    expect(await queue.getJob('prod-1.preflight')).toBeUndefined();
    const events = await bot.composition.store.events.listEvents('prod-1');
    expect(events.at(-1)).toMatchObject({ actor: APPROVER, kind: 'run.aborted' });
    const card = await bot.slack.waitFor(() => {
      const m = bot.slack.message(CHANNEL, run?.cardTs ?? '');
      return m?.updates.some((u) => JSON.stringify(u.blocks).includes('Aborted')) && m;
    });
    expect(card.updates.length).toBeGreaterThan(0);
    const again = JSON.parse(
      (await bot.requester.slashCommand({ text: 'abort prod-1', userId: APPROVER })).body,
    );
    expect(again.text).toMatch(/already ended/);
    // The environment is free again.
    const next = JSON.parse(
      (await bot.requester.slashCommand({ text: 'start prod --dry-run', userId: REQUESTER })).body,
    );
    expect(next.text).toMatch(/Dry run \*prod-2\*/);
  });

  it('GET /healthz answers ok and /metrics exposes the bot metrics', async () => {
    const health = await fetch(`${bot.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    expect(metrics).toMatch(/kong_upgrade_bot_runs\{phase="aborted"\} 1/);
    expect(metrics).toMatch(/kong_upgrade_bot_ack_seconds_count\{kind="command"\} \d+/);
  });
});
