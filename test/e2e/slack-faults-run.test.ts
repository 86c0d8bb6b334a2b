import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startLoadLoop } from '../support/load-loop.js';
import { runThroughSlack } from '../support/slack-fault-run.js';

/**
 * A whole upgrade against a fault-injecting Slack (429 with Retry-After on 20 % of calls, 500 on 5 %,
 * the live comparison message deleted mid-run, the channel archived for a while after the card) ends as
 * with a healthy Slack: completed, or with Y failing, rolled back after an approval. Every command and
 * click is acked within 3 s and no job fails because of Slack.
 */
describe('a whole run while Slack misbehaves', () => {
  let pair: KongPair;
  let load: { stop(): Promise<void> };

  beforeAll(async () => {
    pair = await startKongPair({ seedY: true, xVersion: '3.4.2' });
    const open = pair.seed.fixtures.open?.path ?? '/';
    load = startLoadLoop([`${pair.x.proxyUrl}${open}`, `${pair.y.proxyUrl}${open}`], 60);
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await pair?.close();
  });

  it.each([
    { yFailing: false, end: 'completed', gates: ['shift 50', 'shift 100', 'complete 100'] },
    { yFailing: true, end: 'rolled_back', gates: ['shift 50', 'rollback 0'] },
  ])(
    'Y failing: $yFailing → $end, as with a healthy Slack',
    async ({ yFailing, end, gates }) => {
      const result = await runThroughSlack({ pair, faulty: true, yFailing, channel: 'C0FAULTY01' });
      expect(result.phase).toBe(end);
      expect(result.gates.map((g) => g.gate)).toEqual(gates);
      expect(result.jobFailures).toEqual([]);
      expect(result.liveReposted).toBe(true);
      expect(result.ackStatuses.every((s) => s === 200)).toBe(true);
      for (const ms of result.ackMs) expect(ms).toBeLessThan(3000);
    },
    300_000,
  );
});
