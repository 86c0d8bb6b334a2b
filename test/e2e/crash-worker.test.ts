import { readdir, readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import type { Phase } from '../../src/domain/run.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { workerChildren, workerSpecFor } from '../support/worker-children.js';
import type { WorkerSpec } from '../support/worker-process.js';

const CHANNEL = 'C0CRASHWK1';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';
// Enough rows that pg_dump and pg_restore take a moment to kill them in.
const CONSUMERS = 30_000;
// A deploy command that records each time it runs, then takes a while.
const DEPLOY_SCRIPT =
  "require('fs').appendFileSync(process.argv[1], 'run\\n'); setTimeout(() => console.log('migrations up: ok'), 2500)";

/**
 * A proxy in front of the fake webhook router that can leave one call unanswered: the next call
 * (a crash before the router call completes), or the read-back after an apply (a crash between
 * the router applying a weight and the bot recording it).
 */
async function startRouterProxy(target: string) {
  let mode: 'none' | 'next' | 'readback' = 'none';
  let sawPost = false;
  const hung: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (mode === 'next' || (mode === 'readback' && sawPost && req.method === 'GET')) {
        mode = 'none';
        hung.push(() => res.destroy());
        proxy.hungCalls += 1;
        return;
      }
      if (mode === 'readback' && req.method === 'POST') sawPost = true;
      const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/weights`,
    hungCalls: 0,
    hang(next: 'next' | 'readback') {
      mode = next;
      sawPost = false;
    },
    async close() {
      for (const h of hung) h();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

/**
 * Issue 8, item 1 (docs/architecture.md#security-and-reliability: kill -9 of any process at any moment loses nothing). The bot serves
 * Slack in-process; the worker runs in a child that is SIGKILLed at each kill point of one run:
 * during backup, restore, deploy and verify, before the router call of an approved step, between
 * the router applying it and the bot recording it, and in the middle of a rollback. After each
 * kill a fresh worker takes over. The run ends as an uninterrupted one does (rolled back), each
 * weight is POSTed once, each gate decided once, and the audit log has every step in order.
 *
 * How a kill during deploy ends: the deploy job is retried from the start, so the configured
 * commands run again (they must be idempotent, as `kong migrations up/finish` are); the run goes on.
 */
describe('kill -9 of the worker at every kill point of a run', () => {
  let pair: KongPair;
  let bot: TestBot;
  let spec: WorkerSpec;
  let routerProxy: Awaited<ReturnType<typeof startRouterProxy>>;
  let deployLog: string;
  const workers = workerChildren(() => spec);

  beforeAll(async () => {
    pair = await startKongPair({ seed: { consumers: CONSUMERS } });
    routerProxy = await startRouterProxy(pair.router.url);
    deployLog = join(pair.backupDir, '..', `${pair.backupDir.split('/').at(-1)}-deploy.log`);
    const config = {
      slack: { channel: CHANNEL },
      approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true },
      environments: {
        prod: pair.environment({
          deploy: { commands: [['node', '-e', DEPLOY_SCRIPT, deployLog]], timeoutSeconds: 60 },
          traffic: {
            router: 'webhook',
            webhook: { url: routerProxy.url, secret: 'router-webhook-secret-4242' },
          },
          // Long enough that no gate for the next step interrupts the rollback part.
          plan: { steps: [5, 100], observeSeconds: 3600 },
          metrics: { source: 'kong', intervalSeconds: 5 },
        }),
      },
    };
    bot = await startTestBot({ config, workers: false });
    // A killed worker's job is taken over within about 2 s.
    spec = workerSpecFor(bot, config, { lockDurationMs: 1500, stalledIntervalMs: 500 });
  }, 180_000);

  afterAll(async () => {
    await workers.killAll();
    await bot?.close();
    await routerProxy?.close();
    await pair?.close();
  });

  const { start: startWorker, kill } = workers;

  const store = () => bot.composition.store;
  const phaseOf = async () => (await store().runs.getRun('prod-1'))?.phase;

  async function waitPhase(phase: Phase, timeoutMs = 60_000): Promise<void> {
    await eventually(
      async () => {
        const now = await phaseOf();
        if (now === 'failed')
          throw new Error(`run failed: ${(await store().runs.getRun('prod-1'))?.failureReason}`);
        return now === phase;
      },
      timeoutMs,
      5,
    );
  }

  function pendingGate(kind: Gate['kind']): Promise<Gate> {
    return postedGate(store().gates, 'prod-1', { kind }, 60_000);
  }

  function click(gate: Gate) {
    return clickGate(bot.requester, gate, { userId: APPROVER, channelId: CHANNEL });
  }

  async function yQuery<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: pair.yDb.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  const routerPosts = () => pair.router.posts();

  /** Each kill point: what to do first, and when the worker is in the middle of it. */
  const killPoints: Array<{
    name: string;
    phase: Phase;
    arm?: () => Promise<void>;
    inside: () => Promise<unknown>;
  }> = [
    {
      name: 'during pg_dump',
      phase: 'backup',
      inside: async () => {
        const dir = join(pair.backupDir, 'prod-1.partial');
        return (await readdir(dir).catch(() => [])).some((n) => n.endsWith('.dat'));
      },
    },
    {
      name: 'during pg_restore',
      phase: 'restore',
      inside: async () => {
        const [row] = await yQuery<{ m: string | null; c: string | null }>(
          "SELECT to_regclass('kong_upgrade_bot.restore_marker')::text AS m, to_regclass('public.consumers')::text AS c",
        ).catch(() => []);
        return row?.m && row.c;
      },
    },
    {
      name: 'while the deploy command runs',
      phase: 'deploy',
      inside: async () => (await readFile(deployLog, 'utf8').catch(() => '')).includes('run'),
    },
    {
      name: 'during verify (smoke tests against a slow Y)',
      phase: 'verify',
      arm: async () => pair.y.setFaults({ addedLatencyMs: 1500 }),
      inside: async () => true,
    },
  ];

  it('preparation: killed in backup, restore, deploy and verify, the run still reaches its first gate', async () => {
    let worker = await startWorker();
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    for (const point of killPoints) {
      await point.arm?.();
      await waitPhase(point.phase);
      await eventually(point.inside, 60_000, 5);
      await kill(worker);
      expect({ point: point.name, phase: await phaseOf() }).toEqual({
        point: point.name,
        phase: point.phase,
      });
      worker = await startWorker();
    }
    await pendingGate('shift');
    pair.y.setFaults({ addedLatencyMs: 0 });
    const run = await store().runs.getRun('prod-1');
    expect(run?.phase).toBe('awaiting_gate');
    expect(run?.failureReason).toBeNull();
    // Deploy ran again after its kill (documented above), and only as often as it was started.
    expect((await readFile(deployLog, 'utf8')).trim().split('\n')).toEqual(['run', 'run']);
    await kill(worker);
  }, 240_000);

  it('traffic: killed before the router call, between apply and record, and mid-rollback: each weight applied once', async () => {
    let worker = await startWorker();
    const gate = await pendingGate('shift');
    routerProxy.hang('next');
    await click(gate);
    await eventually(() => routerProxy.hungCalls === 1, 30_000, 5);
    await kill(worker);
    expect(routerPosts()).toEqual([]);
    routerProxy.hang('readback');
    worker = await startWorker();
    await eventually(() => routerProxy.hungCalls === 2, 30_000, 5);
    await kill(worker);
    // The router holds 5 % but the bot has not recorded it yet.
    expect(pair.router.weights).toEqual({ x: 95, y: 5 });
    expect((await store().runs.getRun('prod-1'))?.appliedWeight).toBeNull();
    worker = await startWorker();
    await waitPhase('observing', 30_000);
    expect((await store().runs.getRun('prod-1'))?.appliedWeight).toBe(5);
    expect(routerPosts()).toEqual([{ x: 95, y: 5 }]);

    await bot.requester.slashCommand({ text: 'rollback prod-1', userId: APPROVER, channelId: CHANNEL });
    routerProxy.hang('readback');
    await click(await pendingGate('rollback'));
    await eventually(() => routerProxy.hungCalls === 3, 30_000, 5);
    await kill(worker);
    expect((await phaseOf()) as string).toBe('rolling_back');
    worker = await startWorker();
    await waitPhase('rolled_back', 30_000);
    // The thread post follows the commit; a kill in between would lose only that message.
    await eventually(async () => {
      const r = await store().runs.getRun('prod-1');
      return bot.slack
        .thread(CHANNEL, r?.threadTs ?? '')
        .some((m) => m.text.includes('Rolled back: X 100 %'));
    });
    await kill(worker);

    const run = await store().runs.getRun('prod-1');
    expect(run?.appliedWeight).toBe(0);
    expect(pair.router.weights).toEqual({ x: 100, y: 0 });
    expect(routerPosts()).toEqual([
      { x: 95, y: 5 },
      { x: 100, y: 0 },
    ]);
    const gates = await store().gates.listGates('prod-1');
    expect(gates.filter((g) => g.status === 'approved').map((g) => g.kind)).toEqual(['shift', 'rollback']);
    const events = await store().events.listEvents('prod-1');
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    expect(events.filter((e) => /\.failed$/.test(e.kind))).toEqual([]);
    const milestones = events
      .filter((e) =>
        /^job\.\w+\.succeeded$|^gate\.approved$|^traffic\.weight_applied$|^command\./.test(e.kind),
      )
      .map((e) => (e.kind === 'traffic.weight_applied' ? `${e.kind} ${String(e.details.weight)}` : e.kind));
    expect(milestones).toEqual([
      'command.start',
      'job.preflight.succeeded',
      'job.backup.succeeded',
      'job.restore.succeeded',
      'job.deploy.succeeded',
      'job.verify.succeeded',
      'gate.approved',
      'traffic.weight_applied 5',
      'command.rollback',
      'gate.approved',
      'traffic.weight_applied 0',
    ]);
    const thread = bot.slack.thread(CHANNEL, run?.threadTs ?? '').map((m) => m.text);
    expect(thread.filter((t) => t.startsWith(':x:'))).toEqual([]);
  }, 180_000);
});
