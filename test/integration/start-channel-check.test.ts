import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { eventually } from '../support/eventually.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

/** `start` checks that the bot can post where the run would go, and refuses with how to fix it. */
describe('start checks the run channel first', () => {
  let slack: FakeSlack;
  let bot: TestBot;

  beforeAll(async () => {
    slack = await startFakeSlack({
      channels: {
        C0NOTMINE1: { isMember: false },
        C0ARCHIVE1: { isArchived: true },
        C0GOOD0001: {},
        C0SLOW0001: {},
      },
    });
    bot = await startTestBot({ slack, config: minimalConfigObject() });
  }, 60_000);

  afterAll(async () => {
    await bot?.close();
    await slack?.close();
  });

  async function start(channelId: string, text = 'start prod --dry-run') {
    const started = Date.now();
    const reply = await bot.requester.slashCommand({ text, userId: 'U0REQ', channelId });
    const ms = Date.now() - started;
    expect(reply.status).toBe(200);
    return { text: String((JSON.parse(reply.body) as { text?: string }).text), ms };
  }

  const runsIn = async (channel: string) =>
    (await bot.composition.store.runs.listRuns({ limit: 100 })).filter((r) => r.channel === channel);

  it.each([
    ['C0NOTMINE1', /not a member of <#C0NOTMINE1>.*`\/invite @kong-upgrade`/],
    ['C0ARCHIVE1', /<#C0ARCHIVE1> is archived/],
  ])('refuses in %s, says how to fix it, and leaves no run behind', async (channel, message) => {
    const { text } = await start(channel);
    expect(text).toMatch(message);
    expect(text).toMatch(/Nothing was started/);
    expect(await runsIn(channel)).toEqual([]);
  });

  it('refuses a private channel or DM it cannot see (channel_not_found)', async () => {
    slack.failNext('conversations.info', 'channel_not_found');
    const { text } = await start('D0SOMEDM01');
    expect(text).toMatch(/cannot see this conversation.*`\/invite @kong-upgrade`/);
    expect(await runsIn('D0SOMEDM01')).toEqual([]);
  });

  it('starts where it can post, and asks Slack only once per channel for a while', async () => {
    const before = slack.calls('conversations.info').length;
    expect((await start('C0GOOD0001')).text).toMatch(/Dry run \*prod-\d+\* started/);
    expect((await start('C0GOOD0001')).text).toMatch(/Dry run \*prod-\d+\* started/);
    expect(slack.calls('conversations.info').length - before).toBe(1);
    expect(await runsIn('C0GOOD0001')).toHaveLength(2);
  });

  it('goes ahead when Slack is slow to answer, well within the 3-second ack', async () => {
    slack.failNext('conversations.info', { delayMs: 4000 });
    const { text, ms } = await start('C0SLOW0001');
    expect(text).toMatch(/Dry run \*prod-\d+\* started/);
    expect(ms).toBeLessThan(2500);
  });

  it("follows up through response_url with the card's permalink, or says the card is not posted yet", async () => {
    const reply = await bot.requester.slashCommand({
      text: 'start prod --dry-run',
      userId: 'U0REQ',
      channelId: 'C0GOOD0001',
    });
    const id = reply.responseUrl.split('/').at(-1);
    const follow = await eventually(() => slack.responses(id).at(0), 10_000);
    expect(String(follow.body.text)).toMatch(
      /^Card of \*prod-\d+\* posted: <https:\/\/acme\.slack\.com\/archives\/C0GOOD0001\/p\d+\|prod-\d+>$/,
    );
    expect(slack.calls('chat.getPermalink').length).toBeGreaterThan(0);

    slack.failAlways('chat.postMessage', 'msg_blocks_too_long');
    const refused = await bot.requester.slashCommand({
      text: 'start prod --dry-run',
      userId: 'U0REQ',
      channelId: 'C0GOOD0001',
    });
    const later = await eventually(
      () => slack.responses(refused.responseUrl.split('/').at(-1)).at(0),
      10_000,
    );
    slack.failAlways('chat.postMessage', null);
    expect(String(later.body.text)).toMatch(/could not be posted in <#C0GOOD0001> yet.*The run goes on/);
  });
});
