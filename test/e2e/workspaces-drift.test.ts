import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../integration/backup-fixture.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startLoadLoop } from '../support/load-loop.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0WSDRIFT1';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';
const TEAM_SERVICE = '00000000-0000-4000-8000-0000000c0001';

/** Kong Enterprise with a second workspace: the write freeze watches it too, and says which workspace changed. */
describe('write freeze over Enterprise workspaces', () => {
  let pair: KongPair;
  let bot: TestBot;
  let load: { stop(): Promise<void> };

  beforeAll(async () => {
    pair = await startKongPair({
      seedY: true,
      xVersion: '3.4.2',
      workspaces: true,
      prepareX: async (url) => {
        await query(
          url,
          `INSERT INTO workspaces (id, name, config, meta) VALUES (gen_random_uuid(), 'team-b', '{}', '{}');
           INSERT INTO services (id, name, protocol, host, port, retries, connect_timeout, write_timeout, read_timeout, ws_id)
           VALUES ('${TEAM_SERVICE}', 'team-b-billing', 'http', 'billing.internal', 80, 5, 60000, 60000, 60000,
                   (SELECT id FROM workspaces WHERE name = 'team-b'));`,
        );
      },
    });
    const open = pair.seed.fixtures.open?.path ?? '/';
    load = startLoadLoop([`${pair.x.proxyUrl}${open}`, `${pair.y.proxyUrl}${open}`], 60);
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true },
        environments: {
          prod: pair.environment({
            metrics: { source: 'kong', intervalSeconds: 1, thresholds: { minRequests: 20 } },
            plan: { steps: [5, 100], observeSeconds: 0 },
          }),
        },
      },
      workers: true,
      definitions: seededYDefinitions(),
    });
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await bot?.close();
    await pair?.close();
  });

  it('a change in the second workspace blocks the next increase and names the workspace', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    const gate = await postedGate(bot.composition.store.gates, 'prod-1', { kind: 'shift', target: 5 });
    const threadText = async () => {
      const run = await bot.composition.store.runs.getRun('prod-1');
      return bot.slack
        .thread(CHANNEL, run?.threadTs ?? '')
        .map((m) => m.text)
        .join('\n');
    };
    expect(await threadText()).toMatch(/fingerprinted \(\d+ entities in 2 workspaces\)/);
    await clickGate(bot.requester, gate, { userId: APPROVER, channelId: CHANNEL });
    await eventually(
      async () => (await bot.composition.store.runs.getRun('prod-1'))?.appliedWeight === 5,
      30_000,
    );
    await query(pair.xDb.url, `UPDATE services SET retries = 9 WHERE id = '${TEAM_SERVICE}'`);
    const text = await eventually(async () => {
      const t = await threadText();
      return t.includes('changed during the write freeze') && t;
    }, 30_000);
    expect(text).toContain('services team-b-billing in workspace team-b: changed');
    expect(await bot.composition.store.gates.pendingGates('prod-1')).toEqual([]);
  }, 90_000);
});
