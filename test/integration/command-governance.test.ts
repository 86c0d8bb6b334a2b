import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0GOVERN01';
const APPROVER = 'U0AAA';

/** Who may start runs, and how often anyone may run the costly commands, with the real bot. */
describe('operators and per-user limits', () => {
  let bot: TestBot;

  beforeAll(async () => {
    const config = minimalConfigObject();
    const environments = config.environments as Record<string, unknown>;
    environments.staging = structuredClone(environments.prod);
    environments.qa = structuredClone(environments.prod);
    config.slack = { channel: CHANNEL };
    config.approvals = { approvers: [APPROVER], operators: ['U0OP'], operatorGroups: ['S0OPS'] };
    bot = await startTestBot({ config, commandLimit: { burst: 5, refillMs: 12_000 } });
    bot.slack.setUsergroup('S0OPS', ['U0OPSMEMBER']);
  });

  afterAll(async () => {
    await bot?.close();
  });

  const text = async (command: string, userId: string) => {
    const reply = await bot.requester.slashCommand({ text: command, userId, channelId: CHANNEL });
    return String((JSON.parse(reply.body) as { text?: string }).text ?? '');
  };
  const runs = async () =>
    (await bot.composition.db.query('SELECT id FROM runs ORDER BY id')).map((r) => String(r.id));

  it('only operators, operator-group members and approvers may start (also --dry-run) or ask for steps', async () => {
    expect(await text('start prod', 'U0STRANGER')).toMatch(/Only operators and approvers may start runs/);
    expect(await text('start prod --dry-run', 'U0STRANGER')).toMatch(/Only operators and approvers/);
    expect(await text('shift prod-1 50', 'U0STRANGER')).toMatch(
      /Only operators and approvers may ask for traffic steps/,
    );
    expect(await runs()).toEqual([]);
    expect(await text('start prod', 'U0OP')).toMatch(/Run \*prod-1\* started/);
    expect(await text('start staging', 'U0OPSMEMBER')).toMatch(/Run \*staging-1\* started/);
    expect(await text('start qa --dry-run', APPROVER)).toMatch(/Dry run \*qa-1\*/);
    expect(await runs()).toEqual(['prod-1', 'qa-1', 'staging-1']);
  });

  it('15 rapid compare commands from one user: some are refused politely, all are acked in < 3 s', async () => {
    const replies = await Promise.all(
      Array.from({ length: 15 }, async () => {
        const started = performance.now();
        const reply = await bot.requester.slashCommand({
          text: 'compare prod-1',
          userId: 'U0BUSY',
          channelId: CHANNEL,
        });
        return {
          ms: performance.now() - started,
          status: reply.status,
          text: String(JSON.parse(reply.body).text),
        };
      }),
    );
    expect(replies.every((r) => r.status === 200 && r.ms < 3000)).toBe(true);
    const refused = replies.filter((r) =>
      /limited to 5 in a row per person\. Please try again in \d+ s/.test(r.text),
    );
    expect(refused.length).toBe(10);
    // Another person is not held back by the first one's burst.
    expect(await text('compare prod-1', 'U0CALM')).not.toMatch(/limited to/);
  });
});
